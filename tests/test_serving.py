"""The production serving set-up holds together: orderhub/gunicorn.conf.py loads into gunicorn's
own settings for each pool, its numbers are the README's, the serve benchmark starts exactly the
README's commands, and it refuses SQLite with a hint."""
from __future__ import annotations

import os
import re
import runpy
from pathlib import Path
from unittest import mock

import pytest
from gunicorn.config import Config

from bench import serve

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "orderhub" / "gunicorn.conf.py"
README = (ROOT / "README.md").read_text()


def load_config(**env: str) -> tuple[dict, Config, dict]:
    """Run the config file as gunicorn does (in the master, with this environment); return its
    names, gunicorn's validated settings and the environment it leaves to the workers."""
    with mock.patch.dict(os.environ, env, clear=True):
        names = runpy.run_path(str(CONFIG))
        left = dict(os.environ)
    config = Config()
    for key, value in names.items():
        if key in config.settings:
            config.set(key, value)  # gunicorn validates each value as it would from the file
    return names, config, left


def readme_pools() -> dict[str, dict[str, str]]:
    """The table of README's "Serving: two pools", by pool."""
    section = README.split("### Serving: two pools", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    header = [cell.strip().strip("`") for cell in
              section.split("| pool |", 1)[1].splitlines()[0].strip(" |").split("|")]
    pools = {}
    for row in rows:
        cells = [cell.strip().strip("`") for cell in row.strip(" |").split("|")]
        pools[cells[0]] = dict(zip(["pool", *header], cells))
    return pools


@pytest.mark.parametrize("pool", ["web", "channels"])
def test_each_pool_loads_into_gunicorn_with_the_readmes_numbers(pool):
    # Given the README's table, when gunicorn loads the file for this pool
    documented = readme_pools()[pool]
    names, config, left = load_config(ORDERHUB_POOL=pool)

    # then its settings are the documented ones
    assert config.worker_class_str == documented["worker class"]
    assert config.workers == int(documented["workers"])
    assert config.threads == int(documented["threads"])
    assert config.bind == [documented["bind"]]
    assert config.wsgi_app == "orderhub.wsgi:application"
    assert config.preload_app is False
    # and each thread has a pooled connection of its own, as the README counts them
    assert left["DB_POOL_MAX"] == documented["DB_POOL_MAX"]
    assert int(left["DB_POOL_MAX"]) == config.threads


def test_the_readme_documents_every_pool_of_the_file_and_nothing_else():
    names, _, _ = load_config()
    assert set(readme_pools()) == set(names["POOLS"]) == {"web", "channels"}
    # Without ORDERHUB_POOL the file is the web pool (the README's first command).
    assert names["POOL"] == "web"


def test_a_db_pool_max_set_by_the_operator_is_kept():
    _, _, left = load_config(ORDERHUB_POOL="web", DB_POOL_MAX="8")
    assert left["DB_POOL_MAX"] == "8"


def test_an_unknown_pool_is_refused_by_name():
    with pytest.raises(RuntimeError, match="ORDERHUB_POOL='api': choose one of web, channels"):
        load_config(ORDERHUB_POOL="api")


def test_the_benchmark_starts_the_readmes_commands():
    # Given the two commands of the README's serving section
    section = README.split("### Serving: two pools", 1)[1]
    commands = re.findall(r"^((?:ORDERHUB_POOL=\w+ )?gunicorn [^#\n]+?)\s+#", section, re.M)
    assert commands == ["gunicorn -c orderhub/gunicorn.conf.py",
                        "ORDERHUB_POOL=channels gunicorn -c orderhub/gunicorn.conf.py"]

    # when the benchmark makes its production set-up
    setup = serve.make_setup("production", {"PATH": "/usr/bin"})

    # then it runs those commands, on ports of its own (--bind is read after the file)
    started = []
    for pool in setup.pools:
        argv = pool.argv[len(serve.GUNICORN):]
        assert argv[-2:] == ["--bind", f"127.0.0.1:{pool.port}"]
        prefix = "" if pool.env["ORDERHUB_POOL"] == "web" else "ORDERHUB_POOL=channels "
        started.append(prefix + "gunicorn " + " ".join(argv[:-2]))
    assert started == commands
    # with channel pushes going to the channels pool and lookups to the web pool
    web, channels = setup.pools
    assert (setup.push_port, setup.lookup_port) == (channels.port, web.port)


def test_the_benchmark_starts_servers_in_the_production_environment():
    env = serve.production_env("postgres://postgres@127.0.0.1:5432/orderhub_bench_serve")
    assert env["DEBUG"] == "0"
    assert len(env["SECRET_KEY"]) >= 50
    assert env["Q_SYNC"] == "0"
    assert env["DJANGO_SETTINGS_MODULE"] == "orderhub.settings"
    assert "DB_POOL" not in env  # the pool's default: on


def test_the_serve_benchmark_refuses_sqlite_with_a_hint(monkeypatch, capsys):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(SystemExit) as stopped:
        serve.main([])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "the benchmarks run on PostgreSQL only; DATABASE_URL is unset" in error
    assert "DATABASE_URL=postgres://" in error
