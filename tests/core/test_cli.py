"""The kitwork command: every command, and the one-line error exit."""
import builtins
import io
import os
import subprocess
import sys

import pytest

from core import Database, cli

BUILTIN = ["party", "product", "product_kit", "purchase", "sale"]


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(*argv):
    out = io.StringIO()
    return cli.main(list(argv), out=out), out.getvalue()


def clean_environment(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KITWORK_")}
    env.update(extra)
    return env


def test_init_activates_every_builtin_module(url):
    status, out = run("init", "--db", url)
    assert status == 0
    assert set(Database(url).active_modules) >= set(BUILTIN)
    assert "activated" in out
    status, out = run("init", "--db", url)
    assert (status, "nothing new" in out) == (0, True)


def test_init_with_chosen_modules(url):
    assert run("init", "--db", url, "--module", "party")[0] == 0
    assert Database(url).active_modules == ("party",)
    assert run("init", "--db", url, "--module", "sale")[0] == 0
    assert Database(url).active_modules == ("party", "product", "sale")


def test_modules_lists_name_version_depends_state(url):
    run("init", "--db", url, "--module", "product")
    status, out = run("modules", "--db", url)
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["name", "version", "depends", "state"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert rows["product"].rstrip().endswith("active") and "not active" not in rows["product"]
    assert rows["sale"].rstrip().endswith("not active")
    assert "party, product" in rows["sale"] and "1.0.0" in rows["sale"]


def test_activate_and_its_errors(url, capsys):
    assert run("activate", "--db", url, "sale")[0] == 1
    assert "kitwork init" in capsys.readouterr().err
    run("init", "--db", url, "--module", "party")
    status, out = run("activate", "--db", url, "product_kit", "sale")
    assert (status, out) == (0, "activated product, sale, product_kit\n")
    status, out = run("activate", "--db", url, "sale")
    assert (status, "nothing to activate" in out) == (0, True)
    assert run("activate", "--db", url, "nope")[0] == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "unknown module 'nope'" in error and "available modules: " in error


def test_upgrade(url, capsys):
    assert run("upgrade", "--db", url)[0] == 1
    assert "not a Kitwork database" in capsys.readouterr().err
    run("init", "--db", url, "--module", "product")
    status, out = run("upgrade", "--db", url)
    assert (status, out) == (0, "up to date: product\n")


def test_revision_reports_no_difference_and_writes_nothing(capsys):
    import modules.product
    from pathlib import Path
    folder = Path(modules.product.__file__).parent / "migrations"
    before = sorted(p.name for p in folder.iterdir())
    status, out = run("revision", "product", "-m", "nothing")
    assert (status, "no difference" in out) == (0, True)
    assert sorted(p.name for p in folder.iterdir()) == before
    assert run("revision", "nope", "-m", "x")[0] == 1
    assert "unknown module 'nope'" in capsys.readouterr().err


def test_bad_database_url_is_one_line(capsys):
    assert run("modules", "--db", "nosuchdriver://x")[0] == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "invalid database URL" in error


def test_newcomer_mistakes_get_a_hint(url, capsys, monkeypatch):
    assert run("modules", "--db", "shop.db")[0] == 1
    assert "give --db sqlite:///shop.db" in capsys.readouterr().err
    assert run("init", "--module", "stock_reorde", "--db", url)[0] == 1
    assert "did you mean 'stock_reorder'?" in capsys.readouterr().err
    real_import = builtins.__import__

    def without_psycopg(name, *args, **kwargs):
        if name == "psycopg":
            raise ImportError("No module named 'psycopg'", name="psycopg")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", without_psycopg)
    assert run("modules", "--db", "postgresql+psycopg://kitwork@localhost/shop")[0] == 1
    error = capsys.readouterr().err
    assert "psycopg is not installed" in error and "kitwork[postgresql]" in error
    monkeypatch.undo()
    with pytest.raises(SystemExit) as version:
        cli.main(["--version"])
    assert version.value.code == 0 and capsys.readouterr().out.startswith("kitwork ")


def test_demo_walks_through_the_modules(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)   # its chapters write the files they make (an invoice's PDF) here
    status, out = run("demo")
    assert status == 0
    assert "Activated" in out and "== product ==" in out and out.rstrip().endswith("Done.")
    # §17: a price break prices the chairs' proposal, a rule snoozed, a discount for a whole category
    assert "order 28 at 36.00 (supplier price from 24)" in out and "snoozed until" in out
    assert "9 x Garden chair: gross 100.00 (garden list price), discount 5% (garden season)" in out
    assert "make with Table from legs and a top" in out and "MO0001 done: 2 tables" in out   # production


def test_demo_refuses_a_database_in_use(url, capsys):
    run("init", "--db", url, "--module", "party")
    assert run("demo", "--db", url)[0] == 1
    assert "needs a new database" in capsys.readouterr().err


def test_console_script_default_database_in_current_folder(tmp_path):
    result = subprocess.run(["kitwork", "init", "--module", "party"], capture_output=True, text=True,
                            cwd=tmp_path, env=clean_environment())
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "kitwork.db").exists()


def test_console_script_reads_the_environment_variable(tmp_path):
    database = tmp_path / "from-env.db"
    env = clean_environment(KITWORK_DATABASE_URL=f"sqlite:///{database}")
    result = subprocess.run(["kitwork", "init", "--module", "product"], capture_output=True, text=True,
                            cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert Database(f"sqlite:///{database}").active_modules == ("product",)
    listing = subprocess.run(["kitwork", "modules"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert "product" in listing.stdout and not (tmp_path / "kitwork.db").exists()


def test_console_script_user_error_is_one_line_without_traceback(tmp_path):
    result = subprocess.run(["kitwork", "activate", "--db", f"sqlite:///{tmp_path / 'x.db'}", "nope"],
                            capture_output=True, text=True, cwd=tmp_path, env=clean_environment())
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_console_script_runs_the_demo(tmp_path):
    result = subprocess.run([sys.executable, "-m", "core.cli", "demo"], capture_output=True, text=True,
                            cwd=tmp_path, env=clean_environment())
    assert result.returncode == 0, result.stderr
    assert "Done." in result.stdout


@pytest.mark.parametrize("argv", [["modules"], ["activate", "sale"], ["upgrade"], ["replenish", "--dry-run"]])
def test_commands_on_a_missing_sqlite_file_create_nothing(tmp_path, capsys, argv):
    database = tmp_path / "x.db"
    assert run(*argv, "--db", f"sqlite:///{database}")[0] == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "does not exist" in error and "kitwork init" in error
    assert not database.exists() and list(tmp_path.iterdir()) == []
