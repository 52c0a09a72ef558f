"""The `careboard` command, run in-process against real databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dashboard.cli import main
from db.engine import Database
from db.migrate import current_revision, head_revision
from tests.factory import Practice

PASSWORD_ENV = {"CB_TEST_PASSWORD": "a long enough password"}


def run(
    url: str, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> Result:
    environment = {"DATABASE_URL": url, "SECRET_KEY": "", **PASSWORD_ENV, **(env or {})}
    return CliRunner().invoke(main, list(args), env=environment, input=stdin)


def test_init_db_creates_and_upgrades_the_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    first = run(url, "init-db")
    assert first.exit_code == 0, first.output
    assert current_revision(Database(url)) == head_revision()
    assert run(url, "init-db").exit_code == 0  # idempotent


def test_serve_refuses_an_out_of_date_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    result = run(url, "serve", env={"SECRET_KEY": "k"})
    assert result.exit_code == 2
    assert "careboard init-db" in result.output


def test_serve_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = run(f"sqlite:///{tmp_path / 'x.db'}", "serve")
    assert result.exit_code == 2
    assert "SECRET_KEY" in result.output


def test_data_commands_name_the_missing_schema(tmp_path: Path) -> None:
    result = run(f"sqlite:///{tmp_path / 'none.db'}", "users", "list")
    assert result.exit_code == 2 and "careboard init-db" in result.output


def test_users_lifecycle(db: Database, practice: Practice) -> None:
    practice.clinician("C1")
    add = run(
        db.url,
        "users",
        "add",
        "maria",
        "--role",
        "clinician",
        "--clinician",
        "C1",
        "--password-env",
        "CB_TEST_PASSWORD",
    )
    assert add.exit_code == 0, add.output
    listed = json.loads(run(db.url, "users", "list", "--json").output)
    assert listed == [
        {"username": "maria", "role": "clinician", "clinician_id": "C1", "active": True}
    ]
    assert run(db.url, "users", "set-role", "maria", "director").exit_code == 0
    assert run(db.url, "users", "disable", "maria").exit_code == 0
    listed = json.loads(run(db.url, "users", "list", "--json").output)
    assert listed == [
        {"username": "maria", "role": "director", "clinician_id": None, "active": False}
    ]
    assert (
        run(
            db.url, "users", "set-password", "maria", "--password-env", "CB_TEST_PASSWORD"
        ).exit_code
        == 0
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["users", "add", "x", "--role", "clinician", "--password-env", "CB_TEST_PASSWORD"],
            "--clinician",
        ),
        (
            [
                "users",
                "add",
                "x",
                "--role",
                "clinician",
                "--clinician",
                "NOPE",
                "--password-env",
                "CB_TEST_PASSWORD",
            ],
            "no clinician",
        ),
        (["users", "add", "x", "--role", "director", "--password-env", "SHORT"], "at least 12"),
        (["users", "add", "x", "--role", "director", "--password-env", "DEMO"], "demo password"),
        (["users", "disable", "nobody"], "no user"),
    ],
)
def test_user_commands_explain_refusals(db: Database, args: list[str], message: str) -> None:
    result = run(db.url, *args, env={"SHORT": "short", "DEMO": "careboard-demo"})
    assert result.exit_code == 2
    assert message in result.output


def test_import_export_round_trip_through_the_cli(
    db: Database, practice: Practice, tmp_path: Path
) -> None:
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    practice.appointment("A1", "K1", "C1", "2026-03-02T09:00")
    first, second = tmp_path / "first", tmp_path / "second"
    assert run(db.url, "export", str(first)).exit_code == 0
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert run(other, "init-db").exit_code == 0
    imported = run(other, "import", str(first))
    assert imported.exit_code == 0, imported.output
    assert run(other, "export", str(second)).exit_code == 0
    for file in sorted(first.iterdir()):
        assert file.read_bytes() == (second / file.name).read_bytes(), file.name


def test_import_refusal_prints_file_line_column(db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "clinicians.csv").write_text("clinician_id,name,fte\nC1,Ana,lots\n")
    result = run(db.url, "import", str(folder))
    assert result.exit_code != 0
    assert "clinicians.csv:2: fte:" in result.output
    assert "nothing was written" in result.output


def test_metrics_command_prints_the_report(db: Database, practice: Practice) -> None:
    practice.clinician("C1")
    practice.client("K1", primary="C1")
    practice.appointment("A1", "K1", "C1", "2026-03-02T09:00", status="completed")
    practice.appointment("A2", "K1", "C1", "2026-03-03T09:00", status="no_show")
    result = run(db.url, "metrics", "--start", "2026-03-02", "--end", "2026-03-08")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["start"] == "2026-03-02" and report["end"] == "2026-03-08"
    assert report["as_of"] == "2026-03-09T00:00:00"
    # 1 completed, 1 no-show: attendance base 2, no-show rate 1/2.
    assert report["practice"]["no_show_rate"] == 0.5
    assert [row["clinician_id"] for row in report["clinicians"]] == ["C1"]
    csv_out = run(
        db.url, "metrics", "--start", "2026-03-02", "--end", "2026-03-08", "--format", "csv"
    )
    assert csv_out.output.splitlines()[0].startswith("scope,clinician_id,")


def test_metrics_command_rejects_a_reversed_period(db: Database) -> None:
    result = run(db.url, "metrics", "--start", "2026-03-08", "--end", "2026-03-02")
    assert result.exit_code == 2


def test_a_demo_made_by_an_earlier_version_is_upgraded_not_refused(tmp_path: Path) -> None:
    from sqlalchemy import text

    from dashboard.cli import prepare_demo
    from dashboard.settings import Settings
    from db.migrate import upgrade

    settings = Settings.from_env({"CAREBOARD_DEMO": "1", "CAREBOARD_INSTANCE": str(tmp_path)})
    older = Database(settings.database_url)
    upgrade(older, "0007")  # the schema before appointments carried their feedback state
    with older.engine.begin() as conn:  # a practice in it, so nothing is generated
        conn.execute(
            text(
                "INSERT INTO clinicians (clinician_id, name, accepting_new, active) "
                "VALUES ('C1', 'Ana', 1, 1)"
            )
        )
    older.dispose()
    prepare_demo(settings)
    database = Database(settings.database_url)
    assert current_revision(database) == head_revision()
    with database.read() as conn:
        users = conn.execute(text("SELECT username, clinician_id FROM users")).all()
    assert ("clinician", "C1") in {tuple(user) for user in users}
