"""The ``salesbot`` command line parses into the right sub-command."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.cli import build_parser, main


def test_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    text = capsys.readouterr().out
    for command in ("run", "console", "import", "export", "db"):
        assert command in text


def test_run_options() -> None:
    args = build_parser().parse_args(["run", "--http", "--host", "127.0.0.1", "--port", "8080"])
    assert (args.http, args.host, args.port) == (True, "127.0.0.1", 8080)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--port", "70000"])


def test_a_bad_port_is_explained_and_port_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--port", "abc"])
    assert "a port is a number from 0 to 65535, not 'abc'" in capsys.readouterr().err
    monkeypatch.setenv("PORT", "8123")
    assert build_parser().parse_args(["run"]).port == 8123
    monkeypatch.setenv("PORT", "web")  # a bad $PORT must not break the other commands
    assert main([]) == 0
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run"])
    assert "not 'web'" in capsys.readouterr().err


def test_import_and_export_through_main(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SALESBOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "a.csv"
    path.write_text("name,tier\nAcme Corp,gold\n", encoding="utf-8")
    assert main(["import", "accounts", str(path), "--dry-run"]) == 0
    assert "Dry run: 1 would be created" in capsys.readouterr().out
    assert main(["import", "accounts", str(path)]) == 0
    assert "1 created" in capsys.readouterr().out
    assert main(["export", "activities", "--account", "Acme"]) == 0
    assert capsys.readouterr().out.startswith("id,occurred_at,account,type,user_id,notes,source,permalink")
    assert main(["export", "activities", "--account", "Nobody"]) == 2
    assert "no account called 'Nobody'" in capsys.readouterr().err


def test_console_refuses_unknown_people(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["console", "--as", "mallory"]) == 2
    assert "alice, bob, carol" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, env",
    [
        (["run"], {}),  # no Slack token: the console
        (["run"], {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}),  # Socket Mode
        (["console"], {}),
        (["import", "accounts", "{csv}"], {}),
        (["tick"], {"SLACK_BOT_TOKEN": "xoxb-1"}),
    ],
)
def test_an_invalid_playbook_stops_every_command_with_one_line(
    argv: list[str],
    env: dict[str, str],
    tmp_path: Path,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = tmp_path / "team.toml"
    config.write_text('[working_hours]\nstart = "9am"\n', encoding="utf-8")
    monkeypatch.setenv("SALESBOT_CONFIG", str(config))
    csv_file = tmp_path / "a.csv"
    csv_file.write_text("name\nAcme Corp\n", encoding="utf-8")
    assert main([a.replace("{csv}", str(csv_file)) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"salesbot: the playbook in {config} (SALESBOT_CONFIG) is invalid: ")
    assert "working_hours.start: expected a time like \"09:00\", got '9am'" in err


def test_a_missing_config_file_names_the_path_it_tried(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SALESBOT_CONFIG", "config/mine.toml")
    assert main(["tick"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"config file not found: config/mine.toml (looked for {tmp_path / 'config' / 'mine.toml'})" in err
