"""Settings: declared once (name, type, default, help, environment names), loaded from the
environment, overridden by the CLI; the HTTP settings live with the API server."""

from __future__ import annotations

import dataclasses

import pytest
from click.testing import CliRunner

from indexer.cli import cli as indexer_cli
from indexer.errors import ConfigError
from indexer.settings import Settings, load_settings
from search_api.__main__ import cli as api_cli
from search_api.settings import ApiSettings, load_api_settings

HTTP = {"host", "port", "workers", "pin_workers", "search_slots", "api_key", "protect_reads", "cors_origins", "max_upload_mb", "max_body_kb"}


def test_every_setting_is_declared_with_type_default_help_and_environment_name():
    for declared in ApiSettings.declarations():
        assert declared.type in (str, int, float, bool), declared
        assert declared.help and declared.env[0] == f"XUNCHA_{declared.name.upper()}", declared
        assert declared.default is None or isinstance(declared.default, declared.type), declared
    # the declaration is the dataclass: same names, same defaults
    assert {d.name: d.default for d in ApiSettings.declarations()} == dataclasses.asdict(ApiSettings())


def test_http_settings_belong_to_the_api_server_only():
    core = {d.name for d in Settings.declarations()}
    api = {d.name for d in ApiSettings.declarations()}
    assert api - core == HTTP and not core & HTTP
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings({}, api_key="k")


def test_values_come_from_defaults_then_environment_then_overrides():
    env = {"XUNCHA_RRF_K": "30", "XUNCHA_ONNX": "off", "ES_URL": "http://es:9200", "XUNCHA_MAX_NOTICE_MB": "2.5",
           "XUNCHA_PROTECT_READS": "yes", "XUNCHA_PORT": "9001"}
    settings = load_api_settings(env, rrf_k=40, port=None)
    assert (settings.rrf_k, settings.onnx, settings.es_url, settings.max_notice_mb) == (40, False, "http://es:9200", 2.5)
    assert (settings.protect_reads, settings.port, settings.backend) == (True, 9001, "embedded")
    assert load_settings({"XUNCHA_ES_URL": "http://a", "ES_URL": "http://b"}).es_url == "http://b"


@pytest.mark.parametrize(("name", "value"), [("XUNCHA_RRF_K", "many"), ("XUNCHA_ONNX", "perhaps"),
                                             ("XUNCHA_MAX_BODY_KB", "1.5")])
def test_a_malformed_value_names_the_setting(name, value):
    with pytest.raises(ConfigError, match=f"setting {name[7:].lower()}: '{value}' is not a valid"):
        load_api_settings({name: value})


def test_secrets_stay_out_of_the_repr():
    settings = load_api_settings({"XUNCHA_API_KEY": "k-123456", "ES_PASSWORD": "pw-987654", "ES_API_KEY": "e-55555"})
    text = repr(settings)
    assert "k-123456" not in text and "pw-987654" not in text and "e-55555" not in text
    assert settings.api_key == "k-123456"


def test_a_plain_settings_becomes_api_settings_with_the_http_defaults():
    api = ApiSettings.of(Settings(backend="memory", rrf_k=7))
    assert (api.backend, api.rrf_k, api.api_key, api.max_body_kb) == ("memory", 7, None, 64)
    given = ApiSettings(api_key="x")
    assert ApiSettings.of(given) is given


@pytest.mark.parametrize("command", [["ingest"], ["stats"]])
def test_both_clis_share_the_backend_options(command):
    def options(group, name):
        return {p.name: p.help for p in group.commands[name].params if p.name in ("backend", "data_dir", "es_url")}

    assert options(indexer_cli, command[0]) == options(api_cli, "serve") == options(api_cli, "demo")
    assert len(options(api_cli, "serve")) == 3


def test_the_api_cli_takes_the_backend_options():
    result = CliRunner().invoke(api_cli, ["serve", "--backend", "memory", "--model", "hashing", "--es-url",
                                          "http://es.invalid:9200", "--get", "/api/stats"])
    assert result.exit_code == 0, result.output
    assert '"backend": "memory"' in result.output
