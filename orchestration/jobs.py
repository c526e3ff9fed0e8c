"""Jobs, selected by group so they follow the folders."""

from dagster import AssetKey, AssetSelection, define_asset_job

# Every asset: load the landing folder, build the marts, resolve, attribute, forecast.
demo_job = define_asset_job("demo_job", selection=AssetSelection.all())

raw_load_job = define_asset_job("raw_load_job", selection=AssetSelection.groups("raw"))

# The model review: reload feedback files, rebuild the feedback marts, then review the
# registered conversion model and its bias by group. It does not retrain or rescore members.
FEEDBACK_SUBMISSIONS = AssetKey(["raw", "feedback_submissions"])
model_review_job = define_asset_job(
    "model_review_job", selection=AssetSelection.assets(FEEDBACK_SUBMISSIONS).downstream()
)

# Reviewer decisions: reload the decision files, resolve identities with them, then rebuild
# everything built on the identity tables (members, touches, attribution, scoring, forecasts,
# dashboards and the published copy). Other raw tables are not reloaded.
REVIEW_DECISIONS = AssetKey(["raw", "identity_review_decisions"])
identity_review_job = define_asset_job(
    "identity_review_job", selection=AssetSelection.assets(REVIEW_DECISIONS).downstream()
)
