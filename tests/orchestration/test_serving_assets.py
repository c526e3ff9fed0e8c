from dagster import AssetKey

from orchestration.definitions import defs

DASHBOARDS = AssetKey(["serving", "dashboards"])
PUBLISHED = AssetKey(["serving", "published_warehouse"])


def test_serving_assets_in_serving_group():
    specs = {spec.key: spec for spec in defs.resolve_all_asset_specs()}

    assert specs[DASHBOARDS].group_name == "serving"
    assert specs[PUBLISHED].group_name == "serving"


def test_dashboards_run_after_their_marts():
    deps = {dep.asset_key for dep in defs.get_assets_def(DASHBOARDS).specs_by_key[DASHBOARDS].deps}

    assert AssetKey(["marts", "fct_community_revenue"]) in deps
    assert AssetKey(["marts", "fct_kpi_engagement"]) in deps
    assert AssetKey(["marts", "fct_revenue_forecast"]) in deps


def test_published_copy_runs_after_every_other_asset():
    published = defs.get_assets_def(PUBLISHED).specs_by_key[PUBLISHED]
    deps = {dep.asset_key for dep in published.deps}

    others = {spec.key for spec in defs.resolve_all_asset_specs()} - {PUBLISHED}
    assert others - deps == set()


def test_demo_job_includes_serving_assets():
    job = defs.resolve_job_def("demo_job")
    assert {DASHBOARDS, PUBLISHED} <= set(job.asset_layer.executable_asset_keys)
