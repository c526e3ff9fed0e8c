from pathlib import Path

from dagster import AssetKey

from orchestration.definitions import defs

MODELS_DIR = Path(__file__).resolve().parents[2] / "dbt_project" / "models"


def test_definitions_load_with_jobs_schedule_and_sensor():
    defs.validate_loadable(defs)
    assert defs.resolve_job_def("demo_job") is not None
    assert defs.resolve_job_def("raw_load_job") is not None
    assert defs.resolve_schedule_def("daily_refresh") is not None
    assert defs.resolve_sensor_def("landing_file_sensor") is not None


def test_dbt_model_keys_and_groups_follow_their_folder():
    specs = {spec.key: spec for spec in defs.resolve_all_asset_specs()}
    model_files = sorted(MODELS_DIR.glob("*/**/*.sql"))
    assert model_files, "no dbt models found"
    for model_file in model_files:
        layer = model_file.relative_to(MODELS_DIR).parts[0]
        key = AssetKey([layer, model_file.stem])
        assert key in specs, f"{model_file.name} is not keyed {key.to_user_string()}"
        assert specs[key].group_name == layer


def test_python_assets_write_the_tables_dbt_sources_read():
    specs = {spec.key for spec in defs.resolve_all_asset_specs()}
    for key in (
        ["identity", "person_clusters"],
        ["identity", "person_accounts"],
        ["attribution", "credits"],
        ["forecasting", "revenue_forecast"],
        ["raw", "hubspot_deals"],
    ):
        assert AssetKey(key) in specs
    marts_upstream = defs.resolve_assets_def(AssetKey(["marts", "dim_members"]))
    dependencies = marts_upstream.asset_deps[AssetKey(["marts", "dim_members"])]
    assert AssetKey(["staging", "stg_identity__person_clusters"]) in dependencies


def test_singular_dbt_tests_are_asset_checks():
    tests_dir = MODELS_DIR.parent / "tests"
    check_keys = set()
    for assets_def in defs.resolve_asset_graph().assets_defs:
        check_keys |= set(assets_def.check_keys)
    check_names = {key.name for key in check_keys}
    singular_tests = sorted(tests_dir.glob("*.sql"))
    assert singular_tests, "no singular dbt tests found"
    for test_file in singular_tests:
        assert test_file.stem in check_names, f"{test_file.name} is not an asset check"
