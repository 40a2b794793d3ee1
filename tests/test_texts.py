"""One source for what the assistant says: sentences in prompts/vi.toml, vocabularies in corpus/*.toml.

A Vietnamese string in code is either a sentence someone reads (it belongs in prompts/vi.toml, read through
``prompts.get_prompts()``) or data that recognises document and question text (a regex, a cue list). The
first test finds the sentences that slipped into code; regex patterns are data by construction, and the
few other data literals are listed below, each with its reason. The second test checks that every
``{placeholder}`` a caller fills is declared by its prompt and that every placeholder a prompt declares is
filled, so a renamed placeholder fails here rather than as a KeyError in front of a user.
"""

from __future__ import annotations

import ast
import re
import string
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

import pytest
from pydantic import BaseModel

from core.vocabulary import load_fields
from prompts import Prompts, get_prompts

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "ingest", "assistant", "eval")
# re functions whose first argument is a pattern: a literal there recognises text, nobody reads it
_COMMAND_MODULES = ("assistant/cli/", "eval/__main__.py")
_REGEX_CALLS = {"compile", "search", "match", "fullmatch", "sub", "subn", "findall", "finditer", "split"}

# module::qualified name (fnmatch) → why its Vietnamese literals are data, not text shown to someone.
DATA_LITERALS: dict[str, str] = {
    "core/text.py::fold.*": "folding maps the letter đ to d",
    "core/settings.py::TrainingSettings.handout_author": "a setting's default: the handouts' author",
    "ingest/loaders/text.py::_TCVN3_LETTERS": "the letters of the TCVN3 encoding, to decode legacy files",
    "ingest/loaders/office.py::cell_text": "a spreadsheet's TRUE/FALSE written as the document's own text",
    "ingest/metadata.py::Level": "locality levels (xã, huyện, tỉnh) as documents write them",
    "ingest/metadata.py::_first_place": "locality levels read off a document's header",
    "ingest/metadata.py::_committee*": "the issuing committee's name and level in a header",
    "ingest/metadata.py::_issuing*": "the issuing committee's level in a header",
    "ingest/metadata.py::_district_province*": "levels of the places a document names",
    "ingest/metadata.py::_years": "a plan's kind, whose heading year is its own",
    "ingest/models.py::*": "English field descriptions quoting document examples; locality levels",
    "ingest/structure.py::PREAMBLE": "the outline's name for text above the first heading, stored in section paths",
    "ingest/facts.py::_OFFICE_WORDS": "words of an office's name in documents",
    "ingest/facts.py::_NAME_TAIL": "words an office's name does not end with",
    "ingest/facts.py::_DATE": "a date pattern, compiled into a larger one",
    "ingest/facts.py::FactExtractor._offices": "the role word of an office in documents",
    "assistant/answer/facts.py::_PEOPLE": "count units that are people",
    "assistant/answer/facts.py::_counted": "the unit a people count is of",
    "assistant/followup.py::resolve_follow_up": "'năm 2024' added to a follow-up question's text for retrieval",
    "assistant/service.py::_scope_words": "scope words added to a question's text for retrieval",
    "assistant/service.py::_per_place": "the year word of a per-place question, added to its text for retrieval",
    "assistant/retrieval/query.py::_CAPITALISED": "a capitalised word pattern, compiled into the place pattern",
    "assistant/retrieval/frame.py::Scope.*": "English field descriptions quoting question examples",
    "assistant/retrieval/frame.py::QuestionFrame.[!l]*": "English field descriptions quoting question examples",
    "assistant/retrieval/frame.py::_display_project.*": "project names as documents write them",
    "assistant/retrieval/frame.py::expand_abbreviations": "project names as documents write them",
    "assistant/retrieval/learned.py::features": "an article heading's word, a ranking feature",
    "assistant/api/schemas.py::WebConfig.labels": "an English field description quoting a document's label",
    "assistant/training.py::Project.*": "English field descriptions quoting document examples",
    "assistant/training.py::Comparison.*": "English field descriptions quoting document examples",
    "assistant/scalebench.py::*": "the synthetic corpus of the scale benchmark: place names, document titles",
    "eval/build_questions.py::*": "generated benchmark questions and the document phrases they are built from",
}


def _vietnamese(text: str) -> bool:
    # a letter with a diacritic (tone mark, ă â ê ô ơ ư) or đ; plain ASCII Vietnamese reads as data anyway
    return any(ch in "đĐ" or (ch.isalpha() and unicodedata.normalize("NFD", ch) != ch) for ch in text)


@dataclass(frozen=True)
class Literal:
    module: str
    scope: str
    line: int
    text: str

    @property
    def where(self) -> str:
        return f"{self.module}::{self.scope}"


def _docstrings(tree: ast.Module, module: str) -> set[int]:
    # a function's docstring in the command-line modules is a command's --help: text, not a docstring
    kinds = (
        (ast.Module, ast.ClassDef)
        if module.startswith(_COMMAND_MODULES)
        else (ast.Module, ast.ClassDef, ast.FunctionDef)
    )
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, kinds) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _regex_patterns(tree: ast.Module) -> set[int]:
    """Every constant inside the pattern argument of an ``re.*`` call (f-strings and concatenations too)."""
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.func.attr in _REGEX_CALLS
            and node.args
        ):
            found |= {id(n) for n in ast.walk(node.args[0]) if isinstance(n, ast.Constant)}
    return found


class _Scopes(ast.NodeVisitor):
    """Each string constant with the dotted name of what holds it: function, class, or assigned name."""

    def __init__(self, skip: set[int]) -> None:
        self.skip = skip
        self.stack: list[str] = []
        self.found: list[tuple[str, ast.Constant]] = []

    def _scoped(self, name: str, node: ast.AST) -> None:
        self.stack.append(name)
        self.generic_visit(node)
        self.stack.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._scoped(node.name, node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._scoped(node.name, node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._scoped(node.name, node)

    def _assigned(self, targets: list[ast.expr], node: ast.AST) -> None:
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if names and len(self.stack) < 2:  # module or class level: the constant's own name is the scope
            self._scoped(names[0], node)
        else:
            self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        self._assigned(node.targets, node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._assigned([node.target], node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._assigned([node.target], node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and id(node) not in self.skip and _vietnamese(node.value):
            self.found.append((".".join(self.stack) or "<module>", node))


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def vietnamese_literals() -> list[Literal]:
    found = []
    for module, tree in _modules():
        scopes = _Scopes(_docstrings(tree, module) | _regex_patterns(tree))
        scopes.visit(tree)
        found += [Literal(module, scope, node.lineno, node.value) for scope, node in scopes.found]
    return found


def test_user_facing_text_is_in_prompts() -> None:
    stray = [
        f"{lit.module}:{lit.line} ({lit.scope}): {lit.text[:70]!r}"
        for lit in vietnamese_literals()
        if not any(fnmatch(lit.where, pattern) for pattern in DATA_LITERALS)
    ]
    assert not stray, "Vietnamese text in code; move it to prompts/vi.toml (or, if data, DATA_LITERALS):\n" + "\n".join(
        stray
    )


def test_every_data_literal_entry_is_used() -> None:
    # a stale entry would let a later sentence in that place through unnoticed
    wheres = [lit.where for lit in vietnamese_literals()]
    unused = [pattern for pattern in DATA_LITERALS if not any(fnmatch(w, pattern) for w in wheres)]
    assert not unused


# [errors.validation] takes pydantic's own error context (assistant/api/errors.py), not named arguments.
_FILLED_ELSEWHERE = {("errors", "validation")}
PAGE_SCRIPT = ROOT / "assistant" / "web" / "app.js"
# the page's own str.format: fill(T.<field>, { key, key: value, … }) (T is the [web] table it fetched)
_PAGE_FILL = re.compile(r"\bfill\(T\.(\w+)(?:\s*\|\|\s*\"[^\"]*\")?,\s*\{")


def _placeholders(template: str) -> set[str]:
    # only names: "{dev,test}" in a command's help is text, never formatted
    fields = {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}
    return {f for f in fields if f.isidentifier()}


def _templates() -> dict[tuple[str, str], list[str]]:
    """(section, field) → its template, or a table's templates."""
    prompts = get_prompts()
    found = {}
    for section in Prompts.model_fields:
        texts: BaseModel = getattr(prompts, section)
        for name in type(texts).model_fields:
            value = getattr(texts, name)
            found[(section, name)] = list(value.values()) if isinstance(value, dict) else [value]
    return found


def _section_classes() -> dict[str, str]:
    """Class name of each section's model (TrainingTexts → training), as code annotates them."""
    return {
        info.annotation.__name__: section
        for section, info in Prompts.model_fields.items()
        if isinstance(info.annotation, type)
    }


def _name(node: ast.expr) -> str | None:
    """``texts`` of ``texts`` and ``self.texts``; the last call or attribute of a chain otherwise."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _bound_sections(tree: ast.Module, sections: set[str], classes: dict[str, str]) -> dict[str, set[str]]:
    """Names a module binds to a section: ``texts = get_prompts().training``, ``texts: TrainingTexts``."""
    bound: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            section = value.attr if isinstance(value, ast.Attribute) and value.attr in sections else None
            if isinstance(node, ast.AnnAssign) and _name(node.annotation) in classes:
                section = classes[str(_name(node.annotation))]
            for target in targets:
                if section and (name := _name(target)):
                    bound.setdefault(name, set()).add(section)
        elif isinstance(node, ast.arg) and node.annotation is not None and _name(node.annotation) in classes:
            bound.setdefault(node.arg, set()).add(classes[str(_name(node.annotation))])
    return bound


@dataclass(frozen=True)
class FormatCall:
    module: str
    line: int
    prompt: tuple[str, str] | None  # None: a field name more than one section has, bound nowhere
    field: str
    given: frozenset[str]


def format_calls() -> list[FormatCall]:
    templates = _templates()
    sections = set(Prompts.model_fields)
    classes = _section_classes()
    owners: dict[str, set[str]] = {}
    for section, field in templates:
        owners.setdefault(field, set()).add(section)
    modules = list(_modules())
    # a name bound in one module and imported by others (``TEXTS = get_prompts().cli``): known everywhere
    everywhere: dict[str, set[str]] = {}
    for _, tree in modules:
        for name, bound_to in _bound_sections(tree, sections, classes).items():
            everywhere.setdefault(name, set()).update(bound_to)
    calls = []
    for module, tree in modules:
        bound = everywhere | _bound_sections(tree, sections, classes)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"):
                continue
            if any(k.arg is None for k in node.keywords):
                continue  # **context: checked by the code that builds it
            receiver = node.func.value
            # a table's entry: texts.questions["other"], texts.questions.get(field, …)
            if isinstance(receiver, ast.Subscript):
                receiver = receiver.value
            elif (
                isinstance(receiver, ast.Call)
                and isinstance(receiver.func, ast.Attribute)
                and receiver.func.attr == "get"
            ):
                receiver = receiver.func.value
            if not isinstance(receiver, ast.Attribute) or receiver.attr not in owners:
                continue  # not a prompt
            field, holder = receiver.attr, receiver.value
            candidates = owners[field]
            if isinstance(holder, ast.Attribute) and holder.attr in sections:
                candidates = {holder.attr}
            elif (name := _name(holder)) in bound:
                candidates = candidates & bound[str(name)]
            prompt = (next(iter(candidates)), field) if len(candidates) == 1 else None
            given = frozenset(k.arg for k in node.keywords if k.arg)
            calls.append(FormatCall(module, node.lineno, prompt, field, given))
    return calls


def test_placeholders_match_between_prompts_and_callers() -> None:
    templates = _templates()
    wrong = []
    for call in format_calls():
        where = f"{call.module}:{call.line}"
        if call.prompt is None:
            wrong.append(f"{where}: cannot tell which section's '{call.field}' this is; bind it to its section")
            continue
        declared = [_placeholders(t) for t in templates[call.prompt]]
        if undeclared := call.given - set().union(*declared):
            wrong.append(f"{where}: passes {sorted(undeclared)} that {'.'.join(call.prompt)} does not declare")
        for missing in {p for ps in declared for p in ps - call.given}:
            wrong.append(f"{where}: {'.'.join(call.prompt)} needs {{{missing}}}, not passed")
    assert not wrong, "\n".join(wrong)


def page_fills() -> list[tuple[str, int, set[str]]]:
    """(field of [web], line, keys passed) of each fill() call in the page's script."""
    script = PAGE_SCRIPT.read_text(encoding="utf-8")
    found = []
    for match in _PAGE_FILL.finditer(script):
        depth, keys, key, i = 1, set(), "", match.end()
        while depth:  # the object literal up to its closing brace, keys at its top level only
            ch = script[i]
            depth += {"{": 1, "(": 1, "[": 1, "}": -1, ")": -1, "]": -1}.get(ch, 0)
            if depth == 1 and ch == ",":
                keys.add(key)
                key = ""
            elif depth == 1:
                key += ch
            i += 1
        keys.add(key)
        names = {k.split(":")[0].strip() for k in keys if k.strip()}
        found.append((match.group(1), script.count("\n", 0, match.start()) + 1, names))
    return found


def test_page_fills_what_its_texts_declare() -> None:
    web = get_prompts().web.model_dump()
    wrong = [
        f"app.js:{line}: web.{name} declares {sorted(_placeholders(web[name]))}, the page passes {sorted(given)}"
        for name, line, given in page_fills()
        if _placeholders(web[name]) != given
    ]
    assert page_fills() and not wrong, "\n".join(wrong)


def test_every_placeholder_prompt_is_filled_by_code() -> None:
    filled = {call.prompt for call in format_calls()} | {("web", name) for name, _, _ in page_fills()}
    unfilled = [
        ".".join(key)
        for key, texts in _templates().items()
        if any(_placeholders(t) for t in texts)
        and key not in filled
        and not any(fnmatch(key[0], s) and fnmatch(key[1], f) for s, f in _FILLED_ELSEWHERE)
    ]
    assert not unfilled, f"prompts with placeholders that no code fills: {unfilled}"


def test_vocabularies_name_the_same_fields() -> None:
    from eval.build_questions import TEMPLATES

    names = set(load_fields().names)
    assert set(get_prompts().training.questions) - {"other"} <= names
    assert set(TEMPLATES) <= names
