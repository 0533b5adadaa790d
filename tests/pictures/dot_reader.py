"""Reading what the pictures write, for the picture tests: a small parser for the DOT text that
``draw_graph`` produces (one statement per line), colour helpers and the test's own traversal of
a graph."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from autograd_lite import Value

# ---- a small reader for the DOT that draw_graph writes (one statement per line) ------------


@dataclass
class Dot:
    """Nodes (name -> attributes), edges (tail, head, attributes; the invisible ones that only
    order a rank apart), which cluster holds each node, and the groups of nodes kept in one rank."""

    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    invisible: list[tuple[str, str]] = field(default_factory=list)
    same_rank: list[list[str]] = field(default_factory=list)
    clusters: dict[str, list[str]] = field(default_factory=dict)
    cluster_labels: dict[str, str] = field(default_factory=dict)
    graph: dict[str, str] = field(default_factory=dict)

    def edges_between(self, tail: str, head: str) -> list[dict[str, str]]:
        return [attrs for t, h, attrs in self.edges if t == tail and h == head]

    def named(self, label: str) -> str:
        """The node whose label starts with the bold text ``label``."""
        found = [n for n, a in self.nodes.items() if f"<B>{label}</B>" in a.get("label", "")]
        assert len(found) == 1, (label, found)
        return found[0]

    def value_nodes(self) -> list[str]:
        return [n for n in self.nodes if re.fullmatch(r"n\d+", n)]


def parse_attributes(text: str) -> dict[str, str]:
    """``key=value, key="quoted", key=<html <nested>>`` into a dict (HTML without its outer <>)."""
    attributes: dict[str, str] = {}
    position = 0
    while position < len(text):
        match = re.compile(r"\s*(\w+)=").match(text, position)
        assert match, text[position:]
        key = match.group(1)
        position = match.end()
        if text[position] == "<":
            depth, start = 0, position
            while True:
                depth += {"<": 1, ">": -1}.get(text[position], 0)
                position += 1
                if depth == 0:
                    break
            attributes[key] = text[start + 1 : position - 1]
        elif text[position] == '"':
            end = position + 1
            while text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            attributes[key] = text[position + 1 : end]
            position = end + 1
        else:
            end = text.find(",", position)
            end = len(text) if end < 0 else end
            attributes[key] = text[position:end].strip()
            position = end
        position = text.find(",", position)
        position = len(text) if position < 0 else position + 1
    return attributes


def parse_dot(source: str) -> Dot:
    """Read draw_graph's output: node, edge, graph and cluster statements, one per line."""
    dot = Dot()
    open_clusters: list[str] = []
    lines = source.splitlines()
    assert lines[0] == "digraph autograd {" and lines[-1] == "}"
    for line in lines[1:-1]:
        text = line.strip()
        if cluster := re.fullmatch(r"subgraph (\w+) \{.*", text):
            open_clusters.append(cluster.group(1))
            dot.clusters[cluster.group(1)] = []
            if inline_label := re.search(r"label=<(.*?)>; labelloc", text) or re.search(r"label=<(.*)>;$", text):
                dot.cluster_labels[cluster.group(1)] = inline_label.group(1)
        elif same := re.fullmatch(r"\{ rank=same; (.*); \}", text):
            dot.same_rank.append(same.group(1).split("; "))
        elif text == "}":
            open_clusters.pop()
        elif edge := re.fullmatch(r"(\w+) -> (\w+)(?: \[(.*)\])?;", text):
            attributes = parse_attributes(edge.group(3) or "")
            if attributes.get("style") == "invis":
                dot.invisible.append((edge.group(1), edge.group(2)))
            else:
                dot.edges.append((edge.group(1), edge.group(2), attributes))
        elif statement := re.fullmatch(r"(\w+) \[(.*)\];", text):
            name, attributes = statement.group(1), parse_attributes(statement.group(2))
            if name == "graph":
                dot.graph = attributes
            elif name not in ("node", "edge"):
                dot.nodes[name] = attributes
                for cluster_name in open_clusters:
                    dot.clusters[cluster_name].append(name)
        elif cluster_label := re.match(r"label=<(.*?)>;", text):
            dot.cluster_labels[open_clusters[-1]] = cluster_label.group(1)
        elif not re.match(r"(style|color|fillcolor)=", text):
            raise AssertionError(f"unexpected DOT line: {line}")
    return dot


def rgb(colour: str) -> tuple[int, int, int]:
    assert re.fullmatch(r"#[0-9a-f]{6}", colour), colour
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def brightness(colour: str) -> float:
    r, g, b = rgb(colour)
    return 0.299 * r + 0.587 * g + 0.114 * b


def all_nodes(root: Value) -> list[Value]:
    """Every Value below root (the test's own traversal, independent of the engine's)."""
    seen: dict[int, Value] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen[id(node)] = node
            stack.extend(node.parents)
    return list(seen.values())
