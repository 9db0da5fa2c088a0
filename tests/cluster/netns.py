"""Network namespaces for the cluster tests: each probe lives in its own namespace with two
veth links to the host — `ctl` to reach the servers, `data` to reach the targets — so one
probe's path to a target can be cut (link down) or slowed (tc tbf) while it still reports.

Every address is the test's own: 10.200.N.0/30 and 10.210.N.0/30 on the veth pairs, and
SERVER_ADDRESS / TARGET_ADDRESS added to the host's loopback for the test's duration. Nothing
leaves the machine. (`tc netem` is not in this kernel; tbf and link state are.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

SERVER_ADDRESS = "10.201.0.1"
TARGET_ADDRESS = "10.202.0.1"


def _ip(*args: str, namespace: str | None = None) -> None:
    command = (
        ["ip", *args] if namespace is None else ["ip", "netns", "exec", namespace, "ip", *args]
    )
    subprocess.run(command, check=True, capture_output=True, timeout=10)


def why_not_available() -> str | None:
    """None when namespaces can be made here; else the reason (the tests skip saying it)."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None or shutil.which("tc") is None:
        return "iproute2 (ip, tc) is not installed"
    probe = f"hcq{uuid.uuid4().hex[:6]}"
    try:
        _ip("netns", "add", probe)
    except (subprocess.CalledProcessError, OSError) as error:
        return f"ip netns add failed: {error}"
    _ip("netns", "del", probe)
    return None


@dataclass
class ProbeNet:
    namespace: str
    ctl: str  # host end of the link to the servers
    data: str  # host end of the link to the targets

    def prefix(self) -> list[str]:
        """Prepend to a command to run it inside this probe's namespace."""
        return ["ip", "netns", "exec", self.namespace]

    def cut_targets(self) -> None:
        _ip("link", "set", self.data, "down")

    def restore_targets(self) -> None:
        _ip("link", "set", self.data, "up")

    def slow_targets(self, rate: str = "64kbit") -> None:
        subprocess.run(
            ["tc", "qdisc", "replace", "dev", self.data, "root", "tbf", "rate", rate,
             "burst", "4kbit", "latency", "2s"],
            check=True, capture_output=True, timeout=10,
        )  # fmt: skip


@dataclass
class Topology:
    tag: str
    probes: list[ProbeNet] = field(default_factory=list)

    def _link(self, net: ProbeNet, host_end: str, subnet: int, index: int, route: str) -> None:
        inner = f"{host_end}p"
        _ip("link", "add", host_end, "type", "veth", "peer", "name", inner)
        _ip("link", "set", inner, "netns", net.namespace)
        _ip("addr", "add", f"10.{subnet}.{index}.1/30", "dev", host_end)
        _ip("link", "set", host_end, "up")
        _ip("addr", "add", f"10.{subnet}.{index}.2/30", "dev", inner, namespace=net.namespace)
        _ip("link", "set", inner, "up", namespace=net.namespace)
        _ip("route", "add", route, "via", f"10.{subnet}.{index}.1", namespace=net.namespace)

    def add_probe(self) -> ProbeNet:
        index = len(self.probes) + 1
        net = ProbeNet(f"{self.tag}p{index}", f"{self.tag}c{index}", f"{self.tag}d{index}")
        _ip("netns", "add", net.namespace)
        self.probes.append(net)
        _ip("link", "set", "lo", "up", namespace=net.namespace)
        self._link(net, net.ctl, 200, index, f"{SERVER_ADDRESS}/32")
        self._link(net, net.data, 210, index, f"{TARGET_ADDRESS}/32")
        return net

    def close(self) -> None:
        for net in self.probes:
            for command in (["link", "del", net.ctl], ["link", "del", net.data]):
                subprocess.run(["ip", *command], capture_output=True, timeout=10)
            subprocess.run(["ip", "netns", "del", net.namespace], capture_output=True, timeout=10)


@contextmanager
def topology(probe_count: int) -> Iterator[Topology]:
    """Probes in namespaces; the host answers on SERVER_ADDRESS and TARGET_ADDRESS."""
    net = Topology(f"h{uuid.uuid4().hex[:5]}")
    added = []
    try:
        for address in (SERVER_ADDRESS, TARGET_ADDRESS):
            # replace, not add: an address a killed run left behind is taken over, not an error
            _ip("addr", "replace", f"{address}/32", "dev", "lo")
            added.append(address)
        for _ in range(probe_count):
            net.add_probe()
        yield net
    finally:
        net.close()
        for address in added:
            subprocess.run(["ip", "addr", "del", f"{address}/32", "dev", "lo"], capture_output=True)
