"""`qualcode codebook diff`: each kind of change said in words, from two files or two git revisions."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from qualcode.cli import main
from qualcode.codebook import CodebookError, parse_codebook
from qualcode.codebook.diff import diff_codebooks, diff_sources, word_diff

from .codebook_support import base, bump, code, dump, migration_variant, write


def diff(old: dict, new: dict):
    return diff_codebooks(parse_codebook(dump(old)), parse_codebook(dump(new)))


def texts(result, kind: str) -> list[str]:
    return [c.text + " | " + " | ".join(c.details) for c in result.of(kind)]


def test_no_changes():
    result = diff(base(), base())
    assert result.changes == [] and "no changes" in result.render()


def test_added_removed_retired_renamed_merged_split():
    result = diff(base(), migration_variant())
    assert texts(result, "renamed") == ["trust → interpersonal_trust | "]
    assert texts(result, "merged") == ["emotional_support, social_support → socio_emotional_support: emotional and "
                                       "social support were hard to tell apart | "]
    [split] = texts(result, "split")
    assert split.startswith("practical_support → advice, covering_shifts (the code itself stays); codings of "
                            "practical_support are flagged for review")
    [retired] = texts(result, "retired")
    assert retired.startswith('~ competition "Kilpailu / Competition": retired')
    added = texts(result, "added")
    assert added[0].startswith('+ socio_emotional_support "Sosioemotionaalinen tuki / Socio-emotional support" at '
                               "the top level, merging emotional_support, social_support")
    assert added[1].startswith('+ advice "Neuvonta / Advice" under practical_support, split from practical_support')
    assert not result.of("removed")
    gone = base()
    gone["codes"] = [c for c in gone["codes"] if c["id"] != "competition"]
    [removed] = texts(diff(base(), gone), "removed")
    assert removed.startswith('- competition "Kilpailu / Competition": gone without a declaration')


def test_reparented_definitions_labels_criteria_examples_patterns_thresholds_colours():
    new = bump(base(), "1.0.1", "wording")
    trust = code(new, "trust")
    trust["parent"] = "social_support"
    trust["definition"]["en"] = trust["definition"]["en"].replace("openness, respect", "openness and respect")
    trust["label"]["fi"] = "Keskinäinen luottamus"
    trust["inclusion"].append("Keeping what is said in the group inside the group.")
    trust["examples"].remove("Mä luotan meidän keikkalaisiin ihan täysin.")
    trust["patterns"].remove("uskaltaa")
    trust["patterns"].append({"lemma": "pitää lupaus", "gap": 2})
    trust["exclude_patterns"].append("luottamushenkilö")
    trust["threshold"] = 0.7
    trust["colour"] = "#000000"
    new["tagging"]["threshold"] = 0.55
    result = diff(base(), new)
    assert texts(result, "reparented") == ["trust: moved from at the top level to under social_support | "]
    assert texts(result, "label") == ['trust label (fi): "Luottamus" → "Keskinäinen luottamus" | ']
    [definition] = result.of("definition")
    assert definition.text == "trust definition (en) changed:"
    assert "confidentiality, [-openness,-] {+openness and+} respect, a safe" in definition.details[0]
    assert texts(result, "criteria") == ["trust: | inclusion added: Keeping what is said in the group inside the "
                                         "group."]
    assert texts(result, "examples") == ["trust: | examples removed: Mä luotan meidän keikkalaisiin ihan täysin."]
    assert texts(result, "patterns") == ["trust: | patterns added: pitää lupaus (gap 2) | patterns removed: "
                                         "uskaltaa | exclusion patterns added: luottamushenkilö"]
    thresholds = texts(result, "tagging")
    assert "trust: threshold 0.5 → 0.7 | " in thresholds
    assert any(t.startswith("practical_support: threshold 0.5 → 0.55") for t in thresholds)
    assert texts(result, "colour") == ["trust: colour #9467bd → #000000 | "]
    codebook = texts(result, "codebook")
    assert "default threshold 0.5 → 0.55 | " in codebook
    assert "changelog 1.0.1 (2026-12-01): wording | " in codebook
    rendered = result.render()
    assert rendered.index("Moved in the hierarchy (1):") < rendered.index("Changed definitions (1):")


def test_renamed_code_with_a_new_definition_shows_both():
    new = bump(base(), "2.0.0")
    trust = code(new, "trust")
    trust.update(id="confidence", renamed_from=["trust"])
    trust["definition"]["fi"] = "Luottamus."
    result = diff(base(), new)
    assert [c.kind for c in result.changes if c.code == "confidence"] == ["renamed", "definition"]


def test_word_diff():
    assert word_diff("a b c d", "a x c d e") == "a [-b-] {+x+} c d {+e+}"


def test_two_files_on_the_command_line(tmp_path):
    old = write(tmp_path, "old.yaml", base())
    new = write(tmp_path, "new.yaml", migration_variant())
    r = CliRunner().invoke(main, ["codebook", "diff", str(old), str(new)])
    assert r.exit_code == 0
    assert r.output.startswith(f"peer_support: 1.0.0 → 1.1.0  ({old} → {new})")
    assert "Renamed codes (1):\n  trust → interpersonal_trust" in r.output
    r = CliRunner().invoke(main, ["codebook", "diff", "--json", str(old), str(new)])
    assert {c["kind"] for c in json.loads(r.output)["changes"]} >= {"added", "renamed", "merged", "split", "retired"}
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [", encoding="utf-8")
    r = CliRunner().invoke(main, ["codebook", "diff", str(old), str(broken)])
    assert r.exit_code == 1 and re.search(rf"{re.escape(str(broken))}:\d+:\d+: error: YAML syntax error", r.output)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_two_git_revisions_of_one_file(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "codebooks").mkdir(parents=True)

    def git(*args):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "t@example.org")
    git("config", "user.name", "t")
    path = repo / "codebooks" / "cb.yaml"
    path.write_text(dump(base()), encoding="utf-8")
    git("add", ".")
    git("commit", "-qm", "1.0.0")
    path.write_text(dump(migration_variant()), encoding="utf-8")
    git("commit", "-qam", "1.1.0")
    monkeypatch.chdir(repo)
    result = diff_sources("HEAD~1", "HEAD", "codebooks/cb.yaml")
    assert (result.old.version, result.new.version) == ("1.0.0", "1.1.0")
    assert result.old_source == "codebooks/cb.yaml@HEAD~1"
    assert [c.text for c in result.of("renamed")] == ["trust → interpersonal_trust"]
    r = CliRunner().invoke(main, ["codebook", "diff", "HEAD~1:codebooks/cb.yaml", "codebooks/cb.yaml"])
    assert r.exit_code == 0 and "Merged codes (1)" in r.output
    monkeypatch.chdir(repo / "codebooks")  # a path relative to where the maintainer stands
    assert diff_sources("HEAD~1:cb.yaml", "cb.yaml").new.version == "1.1.0"
    with pytest.raises(CodebookError, match="git cannot show it"):
        diff_sources("nosuchrev", "HEAD", "cb.yaml")
    with pytest.raises(CodebookError, match="no such file"):
        diff_sources("missing.yaml", "cb.yaml")
