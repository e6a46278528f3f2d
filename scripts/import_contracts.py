"""import-linter contract: no app imports another app's private names (`from x import _y`).

import-linter's own contracts work on modules; a private name (one leading underscore) is a
helper its app may change at will, so another app must not depend on it. Named in
pyproject.toml's [tool.importlinter] `contract_types`."""

import re

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck

_NAMES_RE = re.compile(r"^\s*from\s+[\w.]+\s+import\s+\(?([^)#]*)")


def _private_names(line: str) -> list[str]:
    match = _NAMES_RE.match(line)
    if not match:
        return []
    names = [part.strip().split(" as ")[0].strip() for part in match.group(1).split(",")]
    return [n for n in names if n.startswith("_") and not n.startswith("__")]


class PrivateNamesContract(Contract):
    """Modules of one root package never import a private name from another root package."""

    type_name = "private_names"
    containers = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        apps = set(self.containers)  # type: ignore[arg-type]
        found = []
        for importer in sorted(graph.modules):
            app = importer.split(".")[0]
            if app not in apps:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                if imported.split(".")[0] in (app,) or imported.split(".")[0] not in apps:
                    continue
                for detail in graph.get_import_details(importer=importer, imported=imported):
                    for name in _private_names(detail["line_contents"]):
                        found.append((importer, detail["line_number"], imported, name))
        return ContractCheck(kept=not found, metadata={"found": found})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, line, imported, name in check.metadata["found"]:
            output.print_error(f"{importer}:{line} imports {imported}.{name}, a private name")
            output.new_line()
