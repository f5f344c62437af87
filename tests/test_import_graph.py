"""The layers, as an import graph (grimp reads every import statement, function-level ones included):

* the pure cores (annotations.agreement, .text, .exporters, .importers) import no Django (nor DRF or
  Celery) and nothing of the application but each other and annotations.errors: no models;
* models import no services, selectors, API, pages or tasks;
* services import no API, pages or tasks (tasks import services; services send tasks by name);
* no import cycles among the modules of `annotations`.

`layer_violations` states the rules once; the first test runs it on the real code, the second feeds it
a graph that breaks each rule, so a rule that silently stopped checking would fail too.
"""

from __future__ import annotations

import re

import grimp
import pytest

PURE_CORES = ("annotations.agreement", "annotations.text", "annotations.exporters", "annotations.importers")
PURE_SHARED = ("annotations.errors",)  # pure modules the cores may use
FRAMEWORKS = ("django", "rest_framework", "drf_spectacular", "celery", "kombu")
PAGES = re.compile(r"^annotations\.(pages(\..+)?|views(_\w+)?)$")  # the pages package, or the views modules


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _layer(graph, name: str) -> set[str]:
    """The modules of a layer (a package, with its submodules, or the pages)."""
    if name == "pages":
        return {m for m in graph.modules if PAGES.match(m)}
    return {m for m in graph.modules if _within(m, name)}


def _chain(graph, importer: str, imported: str) -> list[str] | None:
    return graph.find_shortest_chain(importer=importer, imported=imported)


def _forbidden(graph, source: str, targets: tuple[str, ...], why: str) -> list[str]:
    """Every chain (direct or through other modules) from a module of `source` to one of `targets`."""
    found = []
    sources = _layer(graph, source)
    for target in targets:
        for imported in sorted(_layer(graph, target)):
            for importer in sorted(sources):
                chain = _chain(graph, importer, imported)
                if chain:
                    found.append(f"{why}: {' -> '.join(chain)}")
                    break
    return found


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module among `annotations.*` (Tarjan)."""
    modules = sorted(m for m in graph.modules if _within(m, "annotations"))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:
        # iterative, so a long chain cannot hit the recursion limit
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next((c for c in children if _within(c, "annotations")), None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return found


def layer_violations(graph) -> list[str]:
    problems = []
    allowed = (*PURE_CORES, *PURE_SHARED)
    for core in PURE_CORES:
        for module in sorted(_layer(graph, core)):
            for imported in sorted(graph.find_modules_directly_imported_by(module)):
                if _within(imported, "annotations") and not any(_within(imported, ok) for ok in allowed):
                    problems.append(f"a pure core imports the application: {module} -> {imported}")
        problems += _forbidden(graph, core, FRAMEWORKS, "a pure core imports a framework")
    problems += _forbidden(
        graph,
        "annotations.models",
        ("annotations.services", "annotations.selectors", "annotations.api", "pages", "annotations.tasks"),
        "models import an upper layer",
    )
    problems += _forbidden(
        graph,
        "annotations.services",
        ("annotations.api", "pages", "annotations.tasks"),
        "services import the API, pages or tasks",
    )
    problems += [f"an import cycle: {' <-> '.join(cycle)}" for cycle in _cycles(graph)]
    return problems


def test_the_code_keeps_its_layers():
    graph = grimp.build_graph("annotations", include_external_packages=True, cache_dir=None)
    assert "annotations.agreement.report" in graph.modules and "annotations.tasks" in graph.modules
    assert layer_violations(graph) == []


def _graph(*imports: tuple[str, str]):
    graph = grimp.ImportGraph()
    for external in FRAMEWORKS + ("numpy",):
        graph.add_module(external, is_squashed=True)
    for importer, imported in imports:
        for module in (importer, imported):
            if module not in graph.modules:
                graph.add_module(module)
        graph.add_import(importer=importer, imported=imported)
    return graph


BASE = [
    ("annotations.agreement.report", "annotations.agreement.kappa"),
    ("annotations.agreement.report", "numpy"),
    ("annotations.exporters.jsonl", "annotations.errors"),
    ("annotations.models.documents", "django"),
    ("annotations.models.documents", "annotations.importers"),
    ("annotations.selectors.agreement", "annotations.models.documents"),
    ("annotations.services.jobs", "annotations.selectors.agreement"),
    ("annotations.tasks", "annotations.services.jobs"),
    ("annotations.api.agreement", "annotations.services.jobs"),
    ("annotations.pages.queue", "annotations.selectors.agreement"),
]


def test_a_graph_that_keeps_the_layers_passes():
    assert layer_violations(_graph(*BASE)) == []


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ([("annotations.agreement.kappa", "django")], "a pure core imports a framework"),
        ([("annotations.text.chars", "annotations.models.documents")], "a pure core imports the application"),
        # indirectly: a core through an application module to Django
        ([("annotations.importers", "annotations.access"), ("annotations.access", "django")], "pure core"),
        ([("annotations.models.documents", "annotations.services.jobs")], "models import an upper layer"),
        ([("annotations.models.claims", "annotations.views_queue")], "models import an upper layer"),
        ([("annotations.services.jobs", "annotations.tasks")], "services import the API, pages or tasks"),
        ([("annotations.services.exports", "annotations.api.agreement")], "services import the API"),
        ([("annotations.services.exports", "annotations.pages.queue")], "services import the API, pages"),
        ([("annotations.selectors.agreement", "annotations.api.agreement")], "an import cycle"),
    ],
)
def test_each_broken_rule_is_reported(extra, expected):
    problems = layer_violations(_graph(*BASE, *extra))
    assert any(expected in problem for problem in problems), problems
