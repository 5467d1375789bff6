// Checks Kubernetes manifests (YAML streams or JSON, Lists included) against the Kubernetes
// OpenAPI schema as the kubernetes-models package carries it, offline.
//   node validate.mjs FILE...
// Every object must be of a kind the schema knows; types, required fields and enums are
// checked. Prints one line per file; exits 1 if any object fails, naming file, document,
// object and the schema's complaint.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

async function modelFor(apiVersion, kind) {
  // kubernetes-models/<group>/<version>/<Kind>, the core group being just <version>.
  if (!/^[a-z0-9.]+(\/[a-z0-9]+)?$/.test(apiVersion) || !/^[A-Za-z]+$/.test(kind)) return null;
  try {
    const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
    return module[kind] ?? null;
  } catch {
    return null;
  }
}

function documentsOf(file) {
  const text = readFileSync(file, "utf8");
  if (/^\s*[[{]/.test(text)) return [JSON.parse(text)];
  // Kubernetes reads YAML 1.1 (yes/no/on/off are booleans): read it the same way.
  const documents = parseAllDocuments(text, { version: "1.1" });
  return documents
    .map((document) => {
      if (document.errors.length > 0) throw new Error(document.errors[0].message);
      return document.toJS();
    })
    .filter((value) => value !== null && value !== undefined);
}

async function check(object, where, problems) {
  if (typeof object !== "object" || Array.isArray(object)) {
    problems.push(`${where}: not an object`);
    return 0;
  }
  if (object.kind === "List") {
    let count = 0;
    for (const [index, item] of (object.items ?? []).entries())
      count += await check(item, `${where} item ${index}`, problems);
    return count;
  }
  const name = `${object.kind} ${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`;
  const Model = await modelFor(object.apiVersion ?? "", object.kind ?? "");
  if (!Model) {
    problems.push(`${where}: ${name}: no schema for apiVersion ${object.apiVersion}, kind ${object.kind}`);
    return 0;
  }
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push(`${where}: ${name}: ${error.message}`);
  }
  return 1;
}

let failed = false;
for (const file of process.argv.slice(2)) {
  const problems = [];
  let count = 0;
  try {
    const documents = documentsOf(file);
    for (const [index, document] of documents.entries())
      count += await check(document, `document ${index + 1}`, problems);
    if (count === 0) problems.push("no Kubernetes object in it");
  } catch (error) {
    problems.push(`cannot read: ${error.message}`);
  }
  if (problems.length > 0) {
    failed = true;
    for (const problem of problems) console.log(`FAIL ${file}: ${problem}`);
  } else {
    console.log(`ok ${file}: ${count} objects`);
  }
}
process.exit(failed ? 1 : 0);
