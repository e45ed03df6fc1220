"""The real Pulumi engine and Kubernetes provider, through the Automation API (inline programs).

Render mode (``vmscrape:renderDir``) stands in for a cluster. Needs the ``pulumi`` CLI and the kubernetes
plugin (``scripts/install-pulumi``); with ``VMSCRAPE_REQUIRE_PULUMI=1`` (as in CI) their absence fails.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from vmscrape_component.cli.__main__ import main as cli
from vmscrape_component.component.runner import open_stack

pytestmark = pytest.mark.e2e

TOKEN = "e2e-bearer-7d41c0ffee"
PASSWORD = "pa55-e2e-91b3"


@pytest.fixture(autouse=True)
def engine(pulumi_cli: str) -> str:
    return pulumi_cli


class Project:
    """A throwaway project directory with its own state and render directory."""

    def __init__(self, root: Path, name: str = "e2e") -> None:
        self.dir = root / "project"
        self.dir.mkdir()
        (self.dir / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
        self.state = root / "state"
        self.rendered = self.dir / "rendered"
        self.name = name

    def stack(self, program: Callable[[], None]) -> Any:
        os.chdir(self.dir)
        return open_stack(
            self.dir,
            self.name,
            program,
            state_dir=self.state,
            config={"vmscrape:renderDir": str(self.rendered)},
        )

    def manifests(self) -> dict[str, dict[str, Any]]:
        return {
            p.name: yaml.safe_load(p.read_text()) for p in sorted(self.rendered.glob("1-manifest/*.yaml"))
        }


@pytest.fixture
def project(tmp_path: Path) -> Any:
    cwd = os.getcwd()
    yield Project(tmp_path)
    os.chdir(cwd)


def _quickstart() -> None:
    """What `make up` / `vmscrape up` run: the root project, whose __main__.py runs examples/quickstart."""
    from vmscrape_component.component.runner import load_project

    _, _, program = load_project(Path(__file__).resolve().parents[2])  # the repository's root project
    program()


def test_up_writes_what_vmscrape_render_gives_then_nothing_changes_then_destroy_cleans(
    project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A user with a cluster configured (as `vmscrape cluster up` suggests): render mode must not care.
    # The provider used to take $KUBECONFIG and refuse it next to renderYamlToDirectory.
    kubeconfig = project.dir.parent / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: elsewhere\nclusters:\n- name: elsewhere\n"
        "  cluster: {server: 'https://127.0.0.1:1'}\ncontexts:\n- name: elsewhere\n"
        "  context: {cluster: elsewhere, user: u}\nusers:\n- name: u\n  user: {token: x}\n"
    )
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    st = project.stack(_quickstart)
    up = st.up()
    assert up.summary.result == "succeeded"
    manifests = project.manifests()
    kinds = sorted(m["kind"] for m in manifests.values())
    assert kinds == ["VMAgent", "VMServiceScrape", "VMServiceScrape", "VMServiceScrape"]
    # The program writes no file of its own: the config is a stack output, nothing else in the tree.
    assert "vmagent_config_file" not in up.outputs
    assert sorted(p.name for p in project.rendered.iterdir()) == ["0-crd", "1-manifest"]  # the provider's
    written = up.outputs["vmagent_config"].value
    # The CLI, given the same objects as files, prints the same config byte for byte.
    capsys.readouterr()
    assert cli(["render", *map(str, sorted(project.rendered.glob("1-manifest/*.yaml")))]) == 0
    assert capsys.readouterr().out == written
    assert up.outputs["discovery_namespaces"].value["monitoring/envoy-sidecars"] == ["*"]

    again = st.preview()
    assert set(again.change_summary) == {"same"}, again.change_summary

    st.destroy()
    assert project.manifests() == {}
    assert st.export_stack().deployment.get("resources") in (None, [])
    # What is left of the render directory holds no file (the provider keeps its empty folders).
    assert [p for p in project.rendered.rglob("*") if not p.is_dir()] == []


def _scrape_program(interval: str, *, component_name: str = "web", alias: bool = False) -> Callable[[], None]:
    def program() -> None:
        from vmscrape_component import VMServiceScrape
        from vmscrape_component.component import provider_options

        opts = provider_options(aliases=[pulumi.Alias(name="web")] if alias else None)
        web = VMServiceScrape(
            component_name,
            resource_name="web",
            namespace="apps",
            spec={
                "selector": {"matchLabels": {"app": "web"}},
                "endpoints": [{"port": "http", "interval": interval}],
            },
            opts=opts,
        )
        pulumi.export("config", web.scrape_config_yaml)

    return program


def test_an_endpoint_change_updates_the_resource_in_place_and_an_alias_avoids_a_replace(
    project: Project,
) -> None:
    before = project.stack(_scrape_program("30s")).up()
    events: list[Any] = []
    changed = project.stack(_scrape_program("1m"))
    shown: list[str] = []
    preview = changed.preview(on_event=events.append, diff=True, on_output=shown.append)
    # Stack, provider and component stay the same; the custom resource is updated, not replaced.
    assert preview.change_summary == {"same": 3, "update": 1}, preview.change_summary
    steps = [e.resource_pre_event.metadata for e in events if e.resource_pre_event]
    (update,) = [s for s in steps if s.op.value == "update"]
    assert update.type == "kubernetes:operator.victoriametrics.com/v1beta1:VMServiceScrape"
    assert set(update.detailed_diff or {}) == {"spec.endpoints[0].interval"}, update.detailed_diff
    # `preview --diff` shows the change readably: in the resource, and in the config output, field by field.
    text = "\n".join(shown)
    assert re.search(r'~ interval: "30s" => "1m"', text), text
    assert re.search(r'~ scrape_interval\s*: "30s" => "1m"', text), text
    after = changed.up()
    assert "scrape_interval: 1m" in after.outputs["config"].value
    assert after.outputs["config"].value != before.outputs["config"].value

    renamed = project.stack(_scrape_program("1m", component_name="web-frontend", alias=True))
    preview = renamed.preview()
    assert set(preview.change_summary) == {"same"}, preview.change_summary


def _set_program(web_interval: str) -> Callable[[], None]:
    def program() -> None:
        from vmscrape_component import VMServiceScrapeSet
        from vmscrape_component.component import provider_options

        scrapes = [
            {
                "apiVersion": "operator.victoriametrics.com/v1beta1",
                "kind": "VMServiceScrape",
                "metadata": {"name": name, "namespace": namespace},
                "spec": {
                    "selector": {"matchLabels": {"app": name}},
                    "endpoints": [{"port": "http", "interval": every}],
                },
            }
            for name, namespace, every in [
                ("web", "apps", web_interval),
                ("api", "apps", "1m"),
                ("db", "data", "2m"),
            ]
        ]
        team = VMServiceScrapeSet("team", scrapes=scrapes, opts=provider_options())
        pulumi.export("jobs", team.scrape_config_yaml)
        pulumi.export("job_names", team.job_names)

    return program


def test_a_set_writes_one_object_per_scrape_and_a_change_updates_only_that_one(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    st = project.stack(_set_program("30s"))
    up = st.up()
    assert up.summary.result == "succeeded"
    written = project.manifests()
    assert sorted((m["metadata"]["namespace"], m["metadata"]["name"]) for m in written.values()) == [
        ("apps", "api"),
        ("apps", "web"),
        ("data", "db"),
    ]
    assert up.outputs["job_names"].value["data/db"] == ["serviceScrape/data/db/0"]
    # The CLI, given the objects the provider wrote, renders the jobs the set's output shows.
    capsys.readouterr()
    assert cli(["render", *map(str, sorted(project.rendered.glob("1-manifest/*.yaml")))]) == 0
    rendered = yaml.safe_load(capsys.readouterr().out)["scrape_configs"]
    by_name = {job["job_name"]: job for job in yaml.safe_load(up.outputs["jobs"].value)}
    assert {job["job_name"]: job for job in rendered} == by_name

    changed = project.stack(_set_program("45s"))
    events: list[Any] = []
    preview = changed.preview(on_event=events.append)
    # Stack, provider, the set and two scrapes stay; only web's custom resource is updated.
    assert preview.change_summary == {"same": 5, "update": 1}, preview.change_summary
    (update,) = [
        e.resource_pre_event.metadata
        for e in events
        if e.resource_pre_event and e.resource_pre_event.metadata.op.value == "update"
    ]
    assert update.urn.endswith("::apps/web"), update.urn
    assert changed.up().summary.result == "succeeded"
    assert (
        "interval: 45s"
        in (project.rendered / "1-manifest")
        .joinpath(next(n for n, m in project.manifests().items() if m["metadata"]["name"] == "web"))
        .read_text()
    )

    changed.destroy()
    assert project.manifests() == {}


def _secret_program() -> None:
    from vmscrape_component import VMServiceScrape
    from vmscrape_component.component import provider_options

    config = pulumi.Config()
    scrape = VMServiceScrape(
        "billing",
        namespace="billing",
        secrets={
            "billing-creds": {
                "token": config.require_secret("token"),
                "password": config.require_secret("pw"),
            }
        },
        spec={
            "endpoints": [
                {"port": "a", "bearerTokenSecret": {"name": "billing-creds", "key": "token"}},
                {
                    "port": "b",
                    "basicAuth": {
                        "username": {"name": "billing-creds", "key": "password"},
                        "password": {"name": "billing-creds", "key": "password"},
                    },
                },
            ]
        },
        opts=provider_options(),
    )
    pulumi.export("config", scrape.scrape_config_yaml)
    pulumi.export("manifest", scrape.manifest)


def test_secrets_stay_out_of_state_outputs_and_config_and_render_mode_warns(project: Project) -> None:
    import pulumi.automation as auto

    st = project.stack(_secret_program)
    st.set_config("token", auto.ConfigValue(TOKEN, secret=True))
    st.set_config("pw", auto.ConfigValue(PASSWORD, secret=True))
    lines: list[str] = []
    up = st.up(on_output=lines.append)
    assert any("hold the secret values" in line for line in lines)

    needles = [s.encode() for s in (TOKEN, PASSWORD)]
    needles += [base64.b64encode(s.encode()) for s in (TOKEN, PASSWORD)]

    def holders(root: Path) -> set[str]:
        return {
            str(p.relative_to(root))
            for p in root.rglob("*")
            if p.is_file() and any(n in p.read_bytes() for n in needles)
        }

    assert holders(project.state) == set()  # state, history, backups, stack config
    # In the project: only the Secret manifests render mode wrote (the stack config holds ciphertext).
    secret_manifests = {
        str(p.relative_to(project.dir)) for p in project.rendered.glob("1-manifest/v1-secret-*.yaml")
    }
    assert secret_manifests and holders(project.dir) == secret_manifests
    outputs = repr({k: v.value for k, v in up.outputs.items()})
    assert TOKEN not in outputs and PASSWORD not in outputs
    assert "<secret billing/billing-creds token>" in up.outputs["config"].value

    # A new secret value: the diff says something changed, never what.
    st.set_config("token", auto.ConfigValue(TOKEN + "-rotated", secret=True))
    shown: list[str] = []
    st.preview(diff=True, on_output=shown.append)
    text = "\n".join(shown)
    assert "[secret]" in text and TOKEN not in text


def test_the_standalone_example_keeps_its_token_in_secrets_only(tmp_path: Path) -> None:
    import shutil

    import pulumi.automation as auto

    from vmscrape_component.component.runner import load_project

    example = tmp_path / "standalone-vmagent"
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples" / "standalone-vmagent", example)
    project_dir, name, program = load_project(example)
    cwd = os.getcwd()
    os.chdir(project_dir)
    try:
        st = open_stack(
            project_dir,
            name,
            program,
            state_dir=tmp_path / "state",
            config={"vmscrape:renderDir": str(example / "rendered")},
        )
        st.set_config("checkoutToken", auto.ConfigValue(TOKEN, secret=True))
        up = st.up()
        files = {p.name: p.read_bytes() for p in (example / "rendered").rglob("*.yaml")}
        config_maps = [n for n in files if n.startswith("v1-configmap-")]
        assert config_maps == ["v1-configmap-monitoring-edge-scrape-config.yaml"]
        encoded = base64.b64encode(TOKEN.encode())
        holders = {n for n, data in files.items() if TOKEN.encode() in data or encoded in data}
        # The component-owned Secret in `shop` and the agent's mounted copy in `monitoring`; nothing else.
        assert holders == {
            "v1-secret-shop-checkout-metrics-token.yaml",
            "v1-secret-monitoring-edge-scrape-assets.yaml",
        }
        state = [p for p in (tmp_path / "state").rglob("*") if p.is_file()]
        assert state and not any(TOKEN.encode() in p.read_bytes() or encoded in p.read_bytes() for p in state)
        assert TOKEN not in repr({k: v.value for k, v in up.outputs.items()})
        roles = sorted(n for n in files if n.startswith("rbac.authorization.k8s.io_v1-role-"))
        assert roles == [
            "rbac.authorization.k8s.io_v1-role-data-edge-discovery.yaml",
            "rbac.authorization.k8s.io_v1-role-shop-edge-discovery.yaml",
        ]
        st.destroy()
    finally:
        os.chdir(cwd)


def _former_agent_config_program() -> None:
    """The shape a stack made by the former ``VMAgentConfig(mode="standalone")`` has: that component type,
    with the agent's service account as a child (inputs as the new component makes it)."""
    import pulumi_kubernetes as k8s

    from vmscrape_component.component import provider_options

    former = pulumi.ComponentResource("vmscrape:index:VMAgentConfig", "edge", None, provider_options())
    k8s.core.v1.ServiceAccount(
        "edge",
        metadata={"name": "edge", "namespace": "monitoring"},
        opts=pulumi.ResourceOptions(parent=former),
    )


def _standalone_agent_program() -> None:
    from vmscrape_component import StandaloneVMAgent, StandaloneVMAgentArgs
    from vmscrape_component.component import provider_options

    StandaloneVMAgent(
        "edge",
        StandaloneVMAgentArgs(
            namespace="monitoring",
            agent={"selectAllByDefault": True},
            scrapes=[
                {
                    "apiVersion": "operator.victoriametrics.com/v1beta1",
                    "kind": "VMServiceScrape",
                    "metadata": {"name": "web", "namespace": "apps"},
                    "spec": {"endpoints": [{"port": "http"}]},
                }
            ],
        ),
        opts=provider_options(),
    )


def test_a_stack_made_by_the_former_vmagent_config_upgrades_without_replacing_its_resources(
    project: Project,
) -> None:
    project.stack(_former_agent_config_program).up()
    events: list[Any] = []
    project.stack(_standalone_agent_program).preview(on_event=events.append)
    steps = {
        (e.resource_pre_event.metadata.type, e.resource_pre_event.metadata.op.value)
        for e in events
        if e.resource_pre_event
    }
    # The component and its service account are the same resources under the new type: nothing deleted
    # (without the alias, both would be created anew and the old ones deleted).
    assert ("vmscrape:index:StandaloneVMAgent", "same") in steps, steps
    assert ("kubernetes:core/v1:ServiceAccount", "same") in steps, steps
    assert not {op for _, op in steps} & {"delete", "replace", "create-replacement", "delete-replaced"}, steps
    assert ("kubernetes:core/v1:ConfigMap", "create") in steps, steps  # not in the former shape
