"""Jobs, selected by group so they follow the folders."""

from dagster import AssetSelection, define_asset_job

# Every asset: load the landing folder, build the marts, resolve, attribute, forecast.
demo_job = define_asset_job("demo_job", selection=AssetSelection.all())

raw_load_job = define_asset_job("raw_load_job", selection=AssetSelection.groups("raw"))
