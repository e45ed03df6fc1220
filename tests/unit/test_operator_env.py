"""The one table of operator environment variables: every ``--operator-env`` and the components' ``operator``
go through it; unknown or misspelt names are refused, naming the known ones."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from vmscrape_component import VMScrapeError
from vmscrape_component.cli.__main__ import main
from vmscrape_component.operator_env import OPERATOR_ENV_NAMES
from vmscrape_component.settings import OPERATOR_ENV, OperatorSettings, check_operator_env

SCRAPES = "\n---\n".join(
    yaml.safe_dump(
        {
            "apiVersion": "operator.victoriametrics.com/v1beta1",
            "kind": "VMServiceScrape",
            "metadata": {"name": f"svc-{i:02d}", "namespace": "apps"},
            "spec": {
                "selector": {"matchLabels": {"app": f"svc-{i}"}},
                "endpoints": [{"port": "http", "path": f"/metrics/{i}"}, {"port": "admin"}],
            },
        }
    )
    for i in range(40)
)


def test_the_budget_is_read_and_defaults_to_the_operators() -> None:
    assert OperatorSettings().config_data_budget_bytes == 524288
    assert OperatorSettings.from_env({"VM_CONFIG_DATA_BUDGET_BYTES": "8000"}).config_data_budget_bytes == 8000
    # The operator's env parser treats an empty value as unset.
    assert OperatorSettings.from_env({"VM_CONFIG_DATA_BUDGET_BYTES": ""}).config_data_budget_bytes == 524288


@pytest.mark.parametrize("value", ["0", "-5", "8k", "1.5", "lots"])
def test_a_bad_budget_names_the_variable_and_what_is_allowed(value: str) -> None:
    with pytest.raises(VMScrapeError) as caught:
        OperatorSettings.from_env({"VM_CONFIG_DATA_BUDGET_BYTES": value})
    assert str(caught.value).startswith("--operator-env: VM_CONFIG_DATA_BUDGET_BYTES: must be a positive")


def test_a_misspelt_name_is_refused_with_the_close_one_and_the_known_ones() -> None:
    with pytest.raises(VMScrapeError) as caught:
        OperatorSettings.from_env({"VM_CONFIG_DATA_BUDGET": "8000"})
    text = str(caught.value)
    assert "did you mean VM_CONFIG_DATA_BUDGET_BYTES?" in text
    for row in OPERATOR_ENV:
        assert row.name in text


def test_bools_follow_go_parse_bool() -> None:
    name = "VM_VMSERVICESCRAPEDEFAULT_ENFORCEENDPOINTSLICES"
    assert OperatorSettings.from_env({name: "True"}).enforce_endpoint_slices
    assert not OperatorSettings.from_env({name: "0"}).enforce_endpoint_slices
    with pytest.raises(VMScrapeError, match="must be a Go bool"):
        OperatorSettings.from_env({name: "yes"})


def test_a_variable_the_operator_reads_but_vmscrape_does_not_model_is_kept_as_a_note() -> None:
    assert check_operator_env({"VM_DISABLESELFSERVICESCRAPECREATION": "true"}) == [
        "VM_DISABLESELFSERVICESCRAPECREATION"
    ]
    settings = OperatorSettings.from_env({"VM_DISABLESELFSERVICESCRAPECREATION": "true"})
    assert settings.unmodelled == ("VM_DISABLESELFSERVICESCRAPECREATION",)


def test_every_modelled_variable_is_one_the_operator_reads() -> None:
    assert {row.name for row in OPERATOR_ENV} <= OPERATOR_ENV_NAMES
    assert {row.field for row in OPERATOR_ENV} <= set(OperatorSettings.__dataclass_fields__)


@pytest.mark.kube
def test_the_list_of_names_is_the_operators_own() -> None:
    from vmscrape_component.cluster import ToolsMissing, find_tools

    try:
        operator = find_tools().operator
    except ToolsMissing:
        pytest.skip("the operator is not built (scripts/install-kube)")
    out = subprocess.run(
        [str(operator), "-printDefaults", "-printFormat=list"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    listed = {line.strip() for line in out.splitlines() if line[:1].isupper()}
    assert listed == OPERATOR_ENV_NAMES


# -- the CLI -------------------------------------------------------------------------------------------------


@pytest.fixture
def scrapes(tmp_path: Path) -> str:
    path = tmp_path / "scrapes.yaml"
    path.write_text(SCRAPES)
    return str(path)


@pytest.mark.parametrize(
    "command", [["render"], ["validate"], ["select"], ["explain", "--snapshot", "-"]], ids=lambda c: c[0]
)
def test_every_command_refuses_an_unknown_variable(
    command: list[str], scrapes: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command[0], scrapes, *command[1:], "--operator-env", "VM_CONFIG_DATA_BUDGE=1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --operator-env: VM_CONFIG_DATA_BUDGE: not a variable of the operator")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_verify_refuses_an_unknown_variable_before_connecting(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["verify", "--context", "nowhere", "--operator-env", "WATCH_NAMESPACES=a"])
    assert code == 2
    assert "did you mean WATCH_NAMESPACE?" in capsys.readouterr().err


def test_cluster_up_refuses_an_unknown_variable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["cluster", "up", "--state-dir", str(tmp_path / "s"), "--operator-env", "VM_BUDGET=8000"])
    assert code == 2
    assert "not a variable of the operator" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


def test_render_tells_the_split_and_prints_the_secrets(
    scrapes: str, capsys: pytest.CaptureFixture[str]
) -> None:
    env = ["--operator-env", "VM_CONFIG_DATA_BUDGET_BYTES=1000"]
    assert main(["render", scrapes, *env]) == 0
    out, err = capsys.readouterr()
    assert "scrape_config_files" not in out  # the default output stays the whole config
    notes = [line for line in err.splitlines() if line.startswith("note:")]
    assert notes[0].startswith("note: split into ") and "over the budget of 1000" in notes[0]
    assert notes[1].startswith("note:   bucket 0: vmagent-<agent>, jobs 0-")
    assert main(["render", scrapes, *env, "-o", "secrets"]) == 0
    secrets = list(yaml.safe_load_all(capsys.readouterr().out))
    assert len(secrets) == len(notes) - 1 >= 2
    assert [s["metadata"]["name"] for s in secrets][1] == "vmagent-<agent>-sc-1"


def test_validate_refuses_a_job_over_the_budget(scrapes: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", scrapes, "--operator-env", "VM_CONFIG_DATA_BUDGET_BYTES=100"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "error: VMServiceScrape apps/svc-00 endpoint 0 (spec.endpoints[0]): its job alone is"
    )
    assert main(["validate", scrapes]) == 0
