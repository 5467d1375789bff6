"""Runs a Kubernetes pod spec for real in an e2e pod (a network namespace), as the kubelet
and the container runtime would, for what wasmesh inject writes:

- init containers in order, each to completion; a native sidecar (restartPolicy: Always)
  is started instead and the next container waits for its startup probe;
- then the containers, in order, each after the previous one's postStart hook;
- each container: its command and args, its environment (value, valueFrom.fieldRef, and
  Kubernetes' $(VAR) expansion), its securityContext (runAsUser/runAsGroup; capabilities:
  only those added survive, in the bounding set; allowPrivilegeEscalation false as
  no_new_privs; readOnlyRootFilesystem as a read-only root) and its volumeMounts, in a
  private mount namespace: emptyDir, configMap (optional ones may be missing) and projected
  service-account tokens are directories bind-mounted at their mountPath;
- httpGet probes are made from the node namespace to the pod's address, as the kubelet
  makes them.

The image is this machine's file system: a command naming /usr/local/bin/wasmesh runs the
binary under test. Nothing here knows what wasmesh puts in a pod.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import harness
import pods

IMAGE_BINARY = "/usr/local/bin/wasmesh"
EXPANSION = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def expand(text, defined):
    """Kubernetes' dependent variables: $(NAME) of a variable defined before, $$ for $."""
    def replace(match):
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return defined[name] if name in defined else match.group(0)
    return EXPANSION.sub(replace, text)


class PodRunner:
    """One pod object (metadata + spec) in one e2e pod. `config_maps` maps a ConfigMap name to
    its data; `token` is what a projected service-account token file holds."""

    def __init__(self, pod, pod_object, config_maps, token, node):
        self.pod = pod
        self.object = pod_object
        self.spec = pod_object["spec"]
        self.config_maps = config_maps
        self.token = token
        self.node = node
        self.dir = tempfile.mkdtemp(prefix=f"wasmesh-e2e-{os.getpid()}-kubelet-")
        os.chmod(self.dir, 0o755)
        self.volumes = {}
        self.processes = {}  # container name -> pods.App
        self.logs = {}

    # --- volumes -------------------------------------------------------------------------
    def _volume_dir(self, volume, container):
        name = volume["name"]
        path = os.path.join(self.dir, "volumes", name)
        if name in self.volumes:
            return self.volumes[name]
        os.makedirs(path)
        user = container.get("securityContext", {}).get("runAsUser", 0)
        if "emptyDir" in volume:
            os.chmod(path, 0o777)
        elif "configMap" in volume:
            source = volume["configMap"]
            data = self.config_maps.get(source["name"])
            if data is None and not source.get("optional", False):
                raise RuntimeError(f"ConfigMap {source['name']} is missing")
            for key, value in (data or {}).items():
                with open(os.path.join(path, key), "w") as f:
                    f.write(value)
                os.chmod(os.path.join(path, key), 0o644)
            os.chmod(path, 0o755)
        elif "projected" in volume:
            for source in volume["projected"]["sources"]:
                token = source["serviceAccountToken"]
                file = os.path.join(path, token["path"])
                with open(file, "w") as f:
                    f.write(self.token)
                # The kubelet gives the token to the user the (only) container using it runs as.
                os.chown(file, user, user)
                os.chmod(file, 0o600)
            os.chmod(path, 0o755)
        else:
            raise RuntimeError(f"volume {name}: kind not emulated: {volume}")
        self.volumes[name] = path
        return path

    # --- containers ----------------------------------------------------------------------
    def environment(self, container):
        fields = {"metadata.namespace": self.object["metadata"]["namespace"],
                  "metadata.name": self.object["metadata"]["name"],
                  "spec.serviceAccountName": self.spec.get("serviceAccountName", "default"),
                  "status.podIP": self.pod.ipv4}
        env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
        for entry in container.get("env", []):
            if "value" in entry:
                env[entry["name"]] = expand(entry["value"], env)
            elif "fieldRef" in entry.get("valueFrom", {}):
                env[entry["name"]] = fields[entry["valueFrom"]["fieldRef"]["fieldPath"]]
            else:
                raise RuntimeError(f"env {entry['name']}: source not emulated")
        return env

    def argv(self, container):
        words = [expand(w, self.environment(container))
                 for w in container.get("command", []) + container.get("args", [])]
        return [harness.BINARY if w == IMAGE_BINARY else w for w in words]

    def wrapped(self, container):
        """The shell line that sets up the container's mounts and credentials, then execs it."""
        security = container.get("securityContext", {})
        steps = ["mount -t tmpfs tmpfs /run"]
        for mount in container.get("volumeMounts", []):
            volume = next(v for v in self.spec.get("volumes", []) if v["name"] == mount["name"])
            source = self._volume_dir(volume, container)
            target = mount["mountPath"]
            steps.append(f"mkdir -p {shlex.quote(target)}")
            steps.append(f"mount --bind {shlex.quote(source)} {shlex.quote(target)}")
            if mount.get("readOnly"):
                steps.append(f"mount -o remount,bind,ro {shlex.quote(target)}")
        if security.get("readOnlyRootFilesystem"):
            steps.append("mount -o remount,bind,ro /")
        user = security.get("runAsUser", 0)
        group = security.get("runAsGroup", user)
        added = [c.lower() for c in security.get("capabilities", {}).get("add", [])]
        dropped = security.get("capabilities", {}).get("drop", [])
        privileges = ["setpriv", f"--reuid={user}", f"--regid={group}", "--clear-groups",
                      "--inh-caps=-all"]
        if "ALL" in dropped:
            privileges.append("--bounding-set=-all" + "".join(f",+{c}" for c in added))
        if security.get("allowPrivilegeEscalation") is False:
            privileges.append("--no-new-privs")
        command = privileges + ["--"] + self.argv(container)
        steps.append("exec " + " ".join(shlex.quote(w) for w in command))
        return ["unshare", "--mount", "--propagation", "private", "sh", "-ec",
                " && ".join(steps)]

    def start(self, container):
        app = pods.App(self.pod.namespace, self.wrapped(container),
                       env=self.environment(container))
        self.pod.apps.append(app)
        self.processes[container["name"]] = app
        return app

    def run_to_completion(self, container, timeout=60):
        app = self.start(container)
        try:
            app.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            app.stop()
            raise
        app._reader.join(timeout=5)
        if app.process.returncode != 0:
            raise RuntimeError(f"init container {container['name']} exited "
                               f"{app.process.returncode}:\n" + "\n".join(app.lines))
        return app

    # --- probes and hooks ----------------------------------------------------------------
    def probe(self, probe):
        """One httpGet probe from the node, as the kubelet makes it: True on 2xx/3xx."""
        get = probe["httpGet"]
        url = f"http://{self.pod.ipv4}:{get['port']}{get['path']}"
        result = self.node.exec([sys.executable, pods.APPS, "http", "GET", url], check=False)
        try:
            return 200 <= json.loads(result.stdout)["status"] < 400
        except (ValueError, KeyError):
            return False

    def wait_probe(self, container, kind):
        probe = container.get(kind)
        if probe is None:
            return
        deadline = time.monotonic() + probe.get("periodSeconds", 10) * probe.get(
            "failureThreshold", 3)
        while not self.probe(probe):
            app = self.processes[container["name"]]
            if app.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{container['name']}: {kind} never succeeded:\n"
                                   + "\n".join(app.lines))
            time.sleep(0.1)

    def run_post_start(self, container):
        hook = container.get("lifecycle", {}).get("postStart")
        if hook is None:
            return
        exec_hook = dict(container, command=hook["exec"]["command"], args=[])
        result = self.pod.exec(self.wrapped(exec_hook), check=False, timeout=150)
        if result.returncode != 0:
            raise RuntimeError(f"{container['name']}: postStart failed:\n{result.stdout}"
                               f"{result.stderr}")

    # --- the pod -------------------------------------------------------------------------
    def run(self):
        for container in self.spec.get("initContainers", []):
            if container.get("restartPolicy") == "Always":
                self.start(container)
                self.wait_probe(container, "startupProbe")
            else:
                self.run_to_completion(container)
        for container in self.spec["containers"]:
            self.start(container)
            self.run_post_start(container)
        return self

    def container(self, name):
        for list_name in ("initContainers", "containers"):
            for container in self.spec.get(list_name, []):
                if container["name"] == name:
                    return container
        raise KeyError(name)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)
