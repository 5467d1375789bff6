"""Graceful drain: on SIGTERM stop accepting, let open connections finish within the grace
period, then close what is left and exit 0."""

import signal
import socket
import time
import unittest

from harness import EchoServer, Proxy


def config(grace):
    return ("proxy: {workers: 2, shutdown_grace_period: " + grace + "}\n"
            "admin: {listen: '127.0.0.1:0'}\ninbound: {listen: []}\noutbound: {listen: []}\n"
            "routes:\n  - {name: echo, listen: '127.0.0.1:0', target: '127.0.0.1:%d'}\n")


class DrainTest(unittest.TestCase):
    def setUp(self):
        self.echo = EchoServer()

    def tearDown(self):
        self.echo.close()

    def test_open_connection_finishes_during_drain(self):
        with Proxy(config("30s") % self.echo.port) as proxy:
            address = proxy.address("route echo")
            client = socket.create_connection(address, timeout=5)
            client.sendall(b"before")
            self.assertEqual(client.recv(100), b"before")
            proxy.process.send_signal(signal.SIGTERM)
            proxy.wait_for_line("draining")
            # New connections are refused once the listeners are closed...
            deadline = time.time() + 5
            refused = False
            while time.time() < deadline and not refused:
                try:
                    socket.create_connection(address, timeout=1).close()
                    time.sleep(0.05)
                except ConnectionRefusedError:
                    refused = True
            self.assertTrue(refused, "listener still accepting during drain")
            self.assertEqual(proxy.get("/ready")[0], 503)
            # ...while the established one still works, and its end ends the drain.
            client.sendall(b"during drain")
            self.assertEqual(client.recv(100), b"during drain")
            self.assertIsNone(proxy.process.poll())
            client.close()
            self.assertEqual(proxy.process.wait(timeout=10), 0)

    def test_grace_period_expiry_resets_stragglers(self):
        # A reset, not a FIN: with a FIN, an upload cut at the deadline looks complete to the
        # application (and a cut response to the client).
        with Proxy(config("500ms") % self.echo.port) as proxy:
            client = socket.create_connection(proxy.address("route echo"), timeout=10)
            client.sendall(b"x")
            self.assertEqual(client.recv(10), b"x")
            proxy.process.send_signal(signal.SIGTERM)
            self.assertEqual(proxy.process.wait(timeout=10), 0)
            with self.assertRaises(ConnectionResetError):
                client.recv(10)
            client.close()
            self.assertIn("grace period over", proxy.log_text())
            # The application's side was reset too.
            self.assertTrue(self.echo.wait_for_reset(timeout=5), "the upstream saw a FIN")

    def test_second_signal_ends_the_drain_at_once(self):
        with Proxy(config("120s") % self.echo.port) as proxy:
            client = socket.create_connection(proxy.address("route echo"), timeout=10)
            client.sendall(b"x")
            self.assertEqual(client.recv(10), b"x")
            proxy.process.send_signal(signal.SIGTERM)
            proxy.wait_for_line("draining")
            time.sleep(0.3)
            self.assertIsNone(proxy.process.poll(), "the first signal must only start the drain")
            proxy.process.send_signal(signal.SIGINT)
            # Far sooner than the 120 s grace period.
            self.assertEqual(proxy.process.wait(timeout=10), 0)
            with self.assertRaises(ConnectionResetError):
                client.recv(10)
            client.close()
            self.assertIn("second SIGINT: ending the drain now", proxy.log_text())


if __name__ == "__main__":
    unittest.main()
