"""`qualcode codebook validate`: every problem kind reported with its line and column, exit codes, the schema."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from qualcode.cli import main
from qualcode.codebook import CodebookError, json_schema, load_codebook, parse_codebook, validate_text
from qualcode.codebook import validate as v

from .codebook_support import V100, base, dump, write
from .conftest import CODEBOOK

HEAD = """name: peer_support
version: 1.1.0
date: "2026-12-01"
codes:
"""  # the first code's id is on line 5, then label 6, definition 7, colour 8, patterns 9


def one_code(body: str) -> str:
    return HEAD + body


def problems(text: str, kind: str | None = None):
    report = validate_text(text, "cb.yaml")
    return [p for p in report.problems if kind is None or p.kind == kind]


def only(text: str, kind: str):
    found = problems(text, kind)
    assert len(found) == 1, [str(p) for p in problems(text)]
    return found[0]


GOOD = """  - id: trust
    label: {fi: Luottamus, en: Trust}
    definition: {fi: Luottamus ihmisten välillä., en: Trust between people.}
    colour: "#9467bd"
    patterns: [luottaa]
"""


def test_valid_codebooks_pass():
    for path in (CODEBOOK, V100):
        report = v.validate_file(path)
        assert report.ok, report.format()
        assert report.codebook.name == "peer_support"
    assert validate_text(one_code(GOOD)).ok


def test_yaml_syntax_error_has_line_and_column():
    p = only(one_code(GOOD + "    inclusion:\n\t- tab indented\n"), v.YAML_SYNTAX)
    assert (p.line, p.column) == (11, 1)
    assert "tabs" in p.message and p.severity == "error"
    p = only(one_code(GOOD + "    migration_note: Version 1.1: split\n"), v.YAML_SYNTAX)
    assert p.line == 10 and "quotes" in p.message


def test_unknown_key_with_did_you_mean():
    text = one_code(GOOD.replace("    colour:", "    lable: {fi: x, en: y}\n    color:"))
    found = problems(text, v.UNKNOWN_KEY)
    assert [(p.line, p.column) for p in found] == [(8, 5), (9, 5)]
    assert "unknown key 'lable' in code 'trust'; did you mean 'label'?" in found[0].message
    assert "did you mean 'colour'?" in found[1].message
    p = only(HEAD.replace("date:", "dat:") + GOOD, v.UNKNOWN_KEY)
    assert p.line == 3 and "did you mean 'date'?" in p.message
    p = only(one_code(GOOD.replace("[luottaa]", "[{lema: luottaa}]")), v.UNKNOWN_KEY)
    assert p.line == 9 and "did you mean 'lemma'?" in p.message
    p = only(one_code(GOOD + "    zzz: 1\n"), v.UNKNOWN_KEY)
    assert "allowed keys: colour, counter_examples, definition," in p.message


def test_missing_labels():
    p = only(one_code(GOOD.replace("en: Trust}", "}").replace("{fi: Luottamus, }", "{fi: Luottamus}")),
             v.MISSING_LABEL)
    assert p.line == 6 and "no English text" in p.message
    p = only(one_code(GOOD.replace("    label: {fi: Luottamus, en: Trust}\n", "")), v.MISSING_LABEL)
    assert p.line == 5 and "code 'trust' has no label" in p.message
    p = only(one_code(GOOD.replace("fi: Luottamus,", "fi: '',")), v.MISSING_LABEL)
    assert p.line == 6 and "label.fi is empty" in p.message


def test_duplicate_ids_point_at_the_second_and_name_the_first():
    p = only(one_code(GOOD + GOOD), v.DUPLICATE_ID)
    assert (p.line, p.column) == (10, 9)
    assert "duplicate id 'trust': the code at line 5 has it too" in p.message


def test_unknown_parent_with_did_you_mean():
    child = GOOD.replace("id: trust", "id: openness").replace("    colour:", "    parent: trsut\n    colour:")
    p = only(one_code(GOOD + child), v.UNKNOWN_PARENT)
    assert (p.line, p.column) == (13, 13)
    assert "parent 'trsut' is not a code in this codebook; did you mean 'trust'?" in p.message


def test_parent_cycles():
    a = GOOD.replace("id: trust", "id: aa").replace("    colour:", "    parent: bb\n    colour:")
    b = GOOD.replace("id: trust", "id: bb").replace("    colour:", "    parent: aa\n    colour:")
    p = only(one_code(a + b), v.PARENT_CYCLE)
    assert p.line == 8 and "aa → bb → aa" in p.message
    selfish = GOOD.replace("    colour:", "    parent: trust\n    colour:")
    p = only(one_code(selfish), v.PARENT_CYCLE)
    assert p.line == 8 and "its own parent" in p.message


def test_invalid_colours():
    p = only(one_code(GOOD.replace('"#9467bd"', "purple")), v.BAD_COLOUR)
    assert (p.line, p.column) == (8, 13) and "#rrggbb" in p.message
    p = only(one_code(GOOD.replace('"#9467bd"', '"#9467bz"')), v.BAD_COLOUR)
    assert p.line == 8


def test_patterns_that_cannot_compile():
    text = one_code(GOOD.replace("[luottaa]", "\n      - luottaa\n      - {tokens: [{LEMA: luottaa}]}\n"
                                              "      - {tokens: [{TEXT: {REGEX: '('}}]}\n"
                                              "      - {tokens: [{LEMMA: luottaa, OP: '{x}'}]}\n"
                                              "      - {tokens: []}\n"))
    found = problems(text, v.BAD_PATTERN)
    assert [p.line for p in found] == [11, 12, 13, 14]
    assert "unknown token attribute 'LEMA'; did you mean 'LEMMA'?" in found[0].message
    assert "REGEX does not compile" in found[1].message
    assert "OP" in found[2].message
    assert "at least one token" in found[3].message


def test_yaml_booleans_duplicate_keys_and_ids():
    p = only(one_code(GOOD.replace("[luottaa]", "[luottaa, no]")), v.BAD_VALUE)
    assert p.line == 9 and "put the word in quotes" in p.message
    p = only(one_code(GOOD + "    inclusion:\n      - Not this: that\n"), v.BAD_VALUE)
    assert p.line == 11 and "a ': ' inside the text starts a key; put the text in quotes" in p.message
    p = only(one_code(GOOD + "    colour: '#000000'\n"), v.DUPLICATE_KEY)
    assert p.line == 10 and "first at line 8" in p.message
    p = only(one_code(GOOD.replace("id: trust", "id: Trust-Code")), v.BAD_ID)
    assert p.line == 5 and "e.g. 'trust_code'" in p.message


def test_contradictory_migration_declarations():
    renamed = GOOD.replace("id: trust", "id: confidence").replace("    colour:", "    renamed_from: [trust]\n"
                                                                                "    colour:")
    p = only(one_code(GOOD + renamed), v.MIGRATION)
    assert p.line == 13 and "'trust' is still a code in this file" in p.message


def test_every_problem_in_one_run_and_parse_raises_with_positions():
    text = one_code(GOOD.replace('"#9467bd"', "purple").replace("    label:", "    lable:"))
    text += GOOD.replace("    colour:", "    parent: nobody\n    colour:")
    kinds = {p.kind for p in problems(text)}
    assert {v.BAD_COLOUR, v.UNKNOWN_KEY, v.MISSING_LABEL, v.DUPLICATE_ID, v.UNKNOWN_PARENT} <= kinds
    with pytest.raises(CodebookError) as err:
        parse_codebook(text, "cb.yaml")
    assert "cb.yaml:8:13: error:" in str(err.value) and len(err.value.problems) >= 5


def test_warnings_do_not_fail():
    data = base()
    data["version"] = "1.0.1"  # no changelog entry for it
    text = dump(data)
    report = validate_text(text, "cb.yaml")
    assert report.ok and [p.kind for p in report.warnings] == [v.CHANGELOG]
    assert report.warnings[0].line == text.splitlines().index("version: 1.0.1") + 1


def test_a_code_with_more_examples_than_contrast_is_warned_about():
    """One code with 4 examples and 1 counter-example: the codebook trains no classifier for it
    (tagging.classifier.MIN_CONTRAST), and the maintainer is told why and what to add."""
    examples = ("    examples: [Luotan kollegaan., Hän pitää sanansa., Voin kertoa hänelle kaiken., "
                "Asiat jäävät ryhmään.]\n")
    text = one_code(GOOD + examples + "    counter_examples: [Laitoin luottokortin tiedot.]\n")
    p = only(text, v.CONTRAST)
    assert p.severity == "warning" and validate_text(text).ok
    assert p.line == 10 and "4 examples but only 1" in p.message and "counter-examples" in p.message
    more = ", ".join(f"Lause numero {i} kertoo säästä." for i in range(4))
    assert not problems(one_code(GOOD + examples + f"    counter_examples: [{more}]\n"), v.CONTRAST)


def test_cli_exit_codes_and_output(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["codebook", "validate", str(CODEBOOK)])
    assert ok.exit_code == 0 and "ok, peer_support" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(one_code(GOOD.replace('"#9467bd"', "purple")), encoding="utf-8")
    r = runner.invoke(main, ["codebook", "validate", str(CODEBOOK), str(bad)])
    assert r.exit_code == 1
    assert f"{bad}:8:13: error: code 'trust' colour: 'purple' is not a colour" in r.output
    r = runner.invoke(main, ["codebook", "validate", "--json", str(bad)])
    assert r.exit_code == 1
    first = json.loads(r.output)[0]["problems"][0]
    assert (first["line"], first["column"], first["kind"]) == (8, 13, "bad-colour")
    missing = runner.invoke(main, ["codebook", "validate", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 1 and "no such file" in missing.output


def test_load_codebook_refuses_bad_patterns(tmp_path):
    data = base()
    data["codes"][0]["patterns"].append({"tokens": [{"LEMA": "x"}]})
    path = write(tmp_path, "cb.yaml", data)
    with pytest.raises(CodebookError, match=r"cb.yaml:\d+:\d+: error: code 'practical_support' patterns\[26\]"):
        load_codebook(path)


def test_json_schema_is_the_definition(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    r = CliRunner().invoke(main, ["codebook", "schema", "-o", str(tmp_path / "s.json")])
    assert r.exit_code == 0
    schema = json.loads((tmp_path / "s.json").read_text())
    assert schema == json_schema()
    assert {"name", "version", "date", "codes"} <= set(schema["required"])
    code_props = schema["$defs"]["Code"]["properties"]
    for key in ("id", "label", "definition", "inclusion", "exclusion", "examples", "patterns", "exclude_patterns",
                "colour", "parent", "status", "renamed_from", "merged_from", "split_from", "migration_note"):
        assert key in code_props and code_props[key].get("description"), key
    import yaml

    validator = jsonschema.Draft202012Validator(schema)
    assert not list(validator.iter_errors(yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))))
    broken = base()
    broken["codes"][0]["colour"] = "blue"
    assert list(validator.iter_errors(broken))
