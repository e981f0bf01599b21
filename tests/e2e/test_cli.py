"""check-origin, check-config and serve's refusal of a broken config."""

import subprocess

from conftest import clean_env, sanitizer_report


def run_cli(voxgate_bin, *args, env=None):
    res = subprocess.run([voxgate_bin, *args], capture_output=True, text=True,
                         env=clean_env(env), timeout=30)
    assert sanitizer_report(res.stderr) is None, sanitizer_report(res.stderr)
    return res.returncode, res.stdout, res.stderr


def write(tmp_path, text):
    path = tmp_path / "voxgate.toml"
    path.write_text(text)
    return str(path)


def test_check_origin_allowed_names_the_deciding_entry(voxgate_bin, tmp_path):
    cfg = write(tmp_path, '[origins]\nallow = ["https://*.voxanne.ai"]\n')
    code, out, _ = run_cli(voxgate_bin, "check-origin", "https://www.voxanne.ai", "--config", cfg)
    assert code == 0
    assert "allowed" in out and "https://*.voxanne.ai" in out and "[origins].allow" in out


def test_check_origin_from_environment_names_the_variable(voxgate_bin):
    code, out, _ = run_cli(voxgate_bin, "check-origin", "https://voxanne.ai",
                           env={"FRONTEND_URL": "https://voxanne.ai"})
    assert code == 0 and "FRONTEND_URL" in out


def test_check_origin_denied_suggests_the_nearest_entry(voxgate_bin, tmp_path):
    cfg = write(tmp_path, '[origins]\nallow = ["https://www.voxanne.ai"]\n')
    code, out, _ = run_cli(voxgate_bin, "check-origin", "https://voxanne.ai", "--config", cfg)
    assert code == 1
    assert "denied" in out and "did you mean https://www.voxanne.ai" in out


def test_check_origin_malformed(voxgate_bin, tmp_path):
    cfg = write(tmp_path, '[origins]\nallow = ["https://voxanne.ai"]\n')
    code, out, _ = run_cli(voxgate_bin, "check-origin", "https://voxanne.ai/login", "--config", cfg)
    assert code == 1 and "malformed" in out and "path" in out


def test_check_config_masks_secrets_and_shows_sources(voxgate_bin, tmp_path):
    cfg = write(tmp_path, '[auth]\njwt_secret = "super-secret-value"\n[origins]\nallow = ["https://voxanne.ai"]\n')
    code, out, err = run_cli(voxgate_bin, "check-config", "--config", cfg,
                             env={"CORS_ORIGIN": "https://app.voxanne.ai"})
    assert code == 0, err
    assert "super-secret-value" not in out + err
    assert "https://voxanne.ai" in out and "https://app.voxanne.ai" in out
    assert "CORS_ORIGIN" in out


def test_check_config_warns_loudly_about_an_empty_allow_list(voxgate_bin):
    code, out, err = run_cli(voxgate_bin, "check-config")
    assert code == 0
    assert "WARNING" in err and "every browser will be refused" in err


def test_check_config_refuses_unknown_keys_with_a_suggestion(voxgate_bin, tmp_path):
    cfg = write(tmp_path, '[origins]\nalow = ["https://voxanne.ai"]\n')
    code, _, err = run_cli(voxgate_bin, "check-config", "--config", cfg)
    assert code == 1 and "origins.alow" in err and "origins.allow" in err


def test_serve_refuses_to_start_on_a_broken_config(voxgate_bin, tmp_path):
    cfg = write(tmp_path, '[origins]\nallow = ["https://voxanne.ai/app"]\n')
    res = subprocess.run([voxgate_bin, "serve", "--config", cfg, "--listen", "127.0.0.1:0"],
                         capture_output=True, text=True, env=clean_env(), timeout=30)
    assert res.returncode == 2
    assert "https://voxanne.ai/app" in res.stdout and "did not start" in res.stdout


def test_serve_listen_precedence_port_env(voxgate_bin, gateway):
    # --listen wins over PORT (the fixture passes --listen 127.0.0.1:0).
    gw = gateway("", env={"PORT": "1"})
    assert gw.port != 1 and gw.get("/health")[0] == 200
