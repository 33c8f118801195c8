"""A private Docker engine the test can stop and start again on the same socket and data root,
for faults a shared engine must never see. Its own address pool (10.215.0.0/16) keeps it apart
from tools.testenv's (10.213/16) and the fuzz engine's (10.214/16)."""

import shutil
import subprocess
import tempfile
from pathlib import Path

from tools.testenv import engine_answers, stop_process, wait_for

ADDRESS_POOL = "base=10.215.0.0/16,size=24"
DEAD_PROXY = "http://127.0.0.1:9"  # registry traffic goes nowhere


class RestartableEngine:
    def __init__(self):
        self.workdir = Path(tempfile.mkdtemp(prefix="ck-fault-dockerd-"))
        self.url = f"unix://{self.workdir / 'docker.sock'}"
        self.process: subprocess.Popen | None = None

    def start(self) -> "RestartableEngine":
        command = [
            "dockerd",
            "--data-root", str(self.workdir / "data"),
            "--exec-root", str(self.workdir / "exec"),
            "--pidfile", str(self.workdir / "docker.pid"),
            "--host", self.url,
            "--bridge", "none", "--iptables=false", "--ip6tables=false",
            "--default-address-pool", ADDRESS_POOL,
            "--shutdown-timeout", "2",
        ]  # fmt: skip
        env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
               "HTTP_PROXY": DEAD_PROXY, "HTTPS_PROXY": DEAD_PROXY}  # fmt: skip
        log = open(self.workdir / "dockerd.log", "a")  # noqa: SIM115 (the daemon's log)
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        wait_for(lambda: engine_answers(self.url), 60, "the private dockerd")
        return self

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, "dockerd")
            self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
