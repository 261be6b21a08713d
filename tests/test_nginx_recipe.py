"""The nginx configuration the two-instance test and benchmark build from the README
(benchmarks/instances.py): the README's block with only ports and listen address changed,
and one nginx itself accepts (`nginx -t`, no server started)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from benchmarks.instances import ROOT, nginx_binary, nginx_conf, readme_nginx

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_block_is_changed_only_in_its_ports_and_listen_address(tmp_path: Path):
    block = readme_nginx(README)
    conf = nginx_conf(block, ports=[41001, 41002], listen=41003, directory=tmp_path)
    assert "server 127.0.0.1:41001;" in conf and "server 127.0.0.1:41002;" in conf
    assert "listen 127.0.0.1:41003;" in conf and "listen 80;" not in conf
    changed = {"server 127.0.0.1:8501;", "server 127.0.0.1:8502;", "listen 80;"}
    kept = [line.strip() for line in block.splitlines() if line.strip() not in changed]
    lines = {line.strip() for line in conf.splitlines()}
    assert all(line in lines for line in kept)
    assert 'proxy_set_header Connection "upgrade";' in kept  # the WebSocket's upgrade


def test_a_readme_block_of_another_shape_is_refused(tmp_path: Path):
    block = readme_nginx(README).replace("server 127.0.0.1:8502;\n", "")
    with pytest.raises(ValueError, match="found 1"):
        nginx_conf(block, ports=[41001, 41002], listen=41003, directory=tmp_path)


@pytest.mark.slow
def test_nginx_accepts_the_configuration(tmp_path: Path):
    conf = nginx_conf(readme_nginx(README), ports=[41001, 41002], listen=41003, directory=tmp_path)
    path = tmp_path / "nginx.conf"
    path.write_text(conf, encoding="utf-8")
    command = [nginx_binary(), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")]
    checked = subprocess.run([*command, "-t", "-c", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_the_recipe_keeps_a_browser_on_one_instance_by_a_cookie_not_by_its_address():
    """Behind NAT every user has one address: `ip_hash` would send them all to one instance
    (the two-instance benchmark saw 106 sessions on one, none on the other)."""
    lines = [" ".join(line.split("#")[0].split()) for line in readme_nginx(README).splitlines()]
    assert not any("ip_hash" in line for line in lines)
    assert "hash $kpi_route consistent;" in lines
    assert '"" $request_id;' in lines and "default $cookie_kpi_route;" in lines
    assert any(line.startswith('add_header Set-Cookie "kpi_route=$kpi_route;') for line in lines)
