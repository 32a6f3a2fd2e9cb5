"""Starting and stopping the servers the benchmark measures (gunicorn, nginx)."""

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request


def wait_until_ready(process, url, *, name, timeout, log_tail, ready=lambda: True):
    """Poll ``url`` until it answers 200 and ``ready()`` holds; raise with the server's
    log if the process exits or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited at start:\n{log_tail()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200 and ready():
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{name} did not answer in {timeout} s:\n{log_tail()}")


def stop_gracefully(process, graceful_signal, timeout):
    """Ask the server to stop; kill its whole session if it has not after ``timeout``."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(graceful_signal)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        # Its own session (start_new_session): this kills only its processes.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
