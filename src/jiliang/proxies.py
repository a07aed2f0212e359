"""The client's address behind trusted reverse proxies. Pure: imports no Django.

A proxy appends the address it received a request from to ``X-Forwarded-For``. Reading the header
from the right, each address a trusted proxy added is the next hop; the first address that is not a
trusted proxy is the client. Anything further left was written by the client and may be forged.
"""

from ipaddress import ip_address, ip_network


def parse_networks(items: list[str]) -> list:
    """``["127.0.0.1", "10.0.0.0/8"]`` as networks; ValueError names a bad item."""
    networks = []
    for item in items:
        try:
            networks.append(ip_network(item.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network (10.0.0.0/8, ::1)") from None
    return networks


def _trusted(address: str, networks) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


def client_address(remote_addr: str, forwarded_for: str, networks) -> str:
    """The client's address: ``remote_addr`` unless it is a trusted proxy that forwarded for another."""
    address = remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    while _trusted(address, networks) and hops:
        candidate = hops.pop()
        try:
            ip_address(candidate)
        except ValueError:
            break  # a malformed hop: stop at the last address we can vouch for
        address = candidate
    return address
