"""The command line: every option, what a second launch hands over, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.cli import Options, parse_args


def test_no_arguments() -> None:
    assert parse_args([]) == Options(url=None, partition=None, data_dir=None, self_test=False)


def test_url_partition_and_data_dir(tmp_path: Path) -> None:
    options = parse_args(
        ["https://example.org/a b", "--partition", "persist:work", "--data-dir", str(tmp_path)]
    )
    assert options == Options(
        url="https://example.org/a%20b", partition="persist:work", data_dir=str(tmp_path)
    )
    assert options.handoff() == {"url": "https://example.org/a%20b", "partition": "persist:work"}


def test_options_may_come_first_and_use_equals(tmp_path: Path) -> None:
    options = parse_args([f"--data-dir={tmp_path}", "--partition=temp", "example.org"])
    assert options.url == "http://example.org"
    assert options.partition == "temp"


def test_relative_data_dir_is_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert parse_args(["--data-dir", "profile"]).data_dir == str(tmp_path / "profile")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert parse_args(["--data-dir", "~/p"]).data_dir == str(tmp_path / "p")


def test_local_file_becomes_a_file_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "page.html").write_text("<title>x</title>")
    monkeypatch.chdir(tmp_path)
    assert parse_args(["page.html"]).url == (tmp_path / "page.html").as_uri()


def test_self_test() -> None:
    assert parse_args(["--self-test"]).self_test is True
    assert parse_args(["--self-test", "--data-dir", "/tmp/x"]).data_dir == "/tmp/x"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--self-test", "https://example.org"], "--self-test takes no URL"),
        (["--partition"], "expected one argument"),
        (["--partition", " "], "--partition needs a name"),
        (["--data-dir", ""], "--data-dir needs a folder"),
        (["a.org", "b.org"], "unrecognized arguments: b.org"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["foo bar"], "not a URL or file: 'foo bar'"),
    ],
)
def test_errors_exit_2_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: partita")
    assert message in err


def test_data_dir_that_is_a_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    afile = tmp_path / "file"
    afile.write_text("")
    with pytest.raises(SystemExit):
        parse_args(["--data-dir", str(afile)])
    assert "is not a folder" in capsys.readouterr().err


def test_help_names_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for option in ("URL", "--partition", "--data-dir", "--self-test"):
        assert option in out
