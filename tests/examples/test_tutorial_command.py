"""``cqlkit tutorial``: the list, --print, --run (pinned output per tutorial), step mode, fresh keyspaces."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from admin.cli.app import app
from admin.cli.tutorial import Step, rename_keyspace, steps, tutorials

ROOT = Path(__file__).resolve().parents[2]
GOLDENS = Path(__file__).resolve().parent / "goldens"
NAMES = [t.name for t in tutorials(ROOT / "examples")]


@pytest.fixture
def invoke(tmp_path: Path):
    runner = CliRunner()
    env = {"TZ": "UTC", "NO_COLOR": "1", "HOME": str(tmp_path), "CQLKIT_HOME": str(tmp_path / "home")}

    def run(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)

    return run


def test_list(invoke) -> None:
    result = invoke("tutorial")
    assert result.exit_code == 0
    assert result.output == (
        "Tutorials (run one with: cqlkit tutorial NAME):\n"
        '  posts      Facebook-style posts, "the top N newest posts of a user".\n'
        '  gyms       gyms across the country, "the gyms of a city, by opening date".\n'
        '  ecommerce  e-commerce customers and products, with denormalized "likes" tables.\n'
        "  mlops      MLOps, training runs and their metrics as time series.\n"
    )


def test_print_shows_the_cql(invoke) -> None:
    result = invoke("tutorial", "gyms", "--print")
    assert result.exit_code == 0
    assert result.output == (ROOT / "examples" / "gyms" / "tutorial.cql").read_text()


def test_unknown_tutorial(invoke) -> None:
    result = invoke("tutorial", "nope")
    assert result.exit_code == 1
    assert result.output == (
        "cqlkit tutorial: no tutorial named 'nope' (there are: posts, gyms, ecommerce, mlops)\n"
    )


def test_bad_keyspace_name(invoke) -> None:
    result = invoke("tutorial", "posts", "--keyspace", "no-dashes")
    assert result.exit_code == 1
    assert result.output == "cqlkit tutorial: 'no-dashes' is not a keyspace name\n"


@pytest.mark.parametrize("name", NAMES)
def test_run(name: str, invoke, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    result = invoke("tutorial", name, "--run", "--cluster", str(tmp_path / "cluster"))
    assert result.exit_code == 0, result.output
    golden = GOLDENS / f"tutorial_{name}.out"
    if request.config.getoption("--update-goldens"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(result.output)
    assert result.output == golden.read_text()


def test_a_rerun_starts_from_a_fresh_keyspace(invoke, tmp_path: Path) -> None:
    cluster = str(tmp_path / "cluster")
    first = invoke("tutorial", "mlops", "--run", "--cluster", cluster)
    second = invoke("tutorial", "mlops", "--run", "--cluster", cluster)
    assert first.exit_code == second.exit_code == 0
    assert second.output == first.output  # counters would have doubled without the DROP


def test_the_users_keyspace_of_the_same_name_is_untouched(invoke, tmp_path: Path) -> None:
    cluster = str(tmp_path / "cluster")
    setup = (
        "CREATE KEYSPACE social WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};"
        "CREATE TABLE social.mine (k int PRIMARY KEY); INSERT INTO social.mine (k) VALUES (1);"
    )
    assert invoke("cqlsh", "--cluster", cluster, "-e", setup).exit_code == 0
    assert invoke("tutorial", "posts", "--run", "--cluster", cluster, "--keyspace", "ks1").exit_code == 0
    after = invoke(
        "cqlsh",
        "--cluster",
        cluster,
        "-e",
        "SELECT k FROM social.mine; SELECT count(*) FROM ks1.posts_by_user WHERE user_id = 'anna'",
    )
    assert after.output == ("\n k\n---\n 1\n\n(1 rows)\n\n count\n-------\n     4\n\n(1 rows)\n")


def test_step_mode_pauses_and_quits(invoke, tmp_path: Path) -> None:
    result = invoke("tutorial", "posts", "--cluster", str(tmp_path / "cluster"), input="\n\nq\n")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == 'Tutorial posts: Facebook-style posts, "the top N newest posts of a user".'
    assert lines[3] == "cqlsh> DROP KEYSPACE IF EXISTS tutorial_posts;"
    assert lines[4] == "[Enter: run it, q: quit] "
    assert lines[-2:] == [
        "cqlsh> USE tutorial_posts;",
        "[Enter: run it, q: quit] Stopped before step 3 of 14.",
    ]
    assert result.output.count("[Enter: run it, q: quit]") == 3
    assert "End of tutorial" not in result.output


def test_step_mode_stops_at_end_of_input(invoke, tmp_path: Path) -> None:
    result = invoke("tutorial", "posts", "--cluster", str(tmp_path / "cluster"), input="")
    assert result.exit_code == 0
    assert result.output.endswith("[Enter: run it, q: quit] \nStopped before step 1 of 14.\n")


def test_steps_group_notes_with_their_statement() -> None:
    text = "-- intro\n\n-- about t\nCREATE TABLE t (\n  k int PRIMARY KEY\n);\nSELECT * FROM t;\n-- the end\n"
    assert steps(text) == [
        Step(("-- intro", "", "-- about t"), ("CREATE TABLE t (", "  k int PRIMARY KEY", ");")),
        Step((), ("SELECT * FROM t;",)),
        Step(("-- the end",), ()),
    ]


def test_rename_keyspace_touches_names_only() -> None:
    statement = "INSERT INTO Social.t (k, v) VALUES ('social', \"social\") -- social"
    assert rename_keyspace(statement, "social", "tutorial_posts") == (
        "INSERT INTO tutorial_posts.t (k, v) VALUES ('social', \"social\") -- social"
    )


def test_ctrl_c_at_a_pause_stops_the_tutorial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from admin.cli.tutorial import run

    class Interrupting(io.StringIO):
        def readline(self, *args: object) -> str:
            raise KeyboardInterrupt

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("HOME", str(tmp_path))
    out, err = io.StringIO(), io.StringIO()
    posts = next(t for t in tutorials(ROOT / "examples") if t.name == "posts")
    code = run(posts, "ks_ctrl_c", str(tmp_path / "cluster"), Interrupting(), out, err, pause=True)
    assert (code, err.getvalue()) == (0, "")
    assert out.getvalue() == (
        'Tutorial posts: Facebook-style posts, "the top N newest posts of a user".\n'
        "\n-- A fresh keyspace for this run: ks_ctrl_c.\n"
        "cqlsh> DROP KEYSPACE IF EXISTS ks_ctrl_c;\n"
        "[Enter: run it, q: quit] \nStopped before step 1 of 14.\n"
    )
