"""Issue 26: "what would make it another genre?" on Predict."""

from __future__ import annotations

from core import schema
from tests.app.conftest import open_app
from tests.app.test_model_pages import probability_spec


def texts(app) -> str:
    return "\n".join(block.value for block in app.markdown)


def test_pick_a_genre_read_the_change_and_move_the_sliders_there(data_and_model):
    app = open_app("predict").run()
    app.segmented_control(key="predict_view").set_value("another").run()
    assert not app.exception, app.exception
    before = probability_spec(app)
    top = max(before, key=before.get)
    target = next(genre for genre in ("Jazz", "Rap", "Rock") if genre != top)
    app.selectbox(key="predict_change_genre").select(target).run()
    assert not app.exception, app.exception
    assert f"Make it {target}: " in texts(app)
    sliders = {f: app.slider(key=f"predict_{f}").value for f in schema.NUMERIC_FEATURES}

    app.button(key="predict_change_move").click().run()

    assert not app.exception, app.exception
    after = probability_spec(app)
    assert max(after, key=after.get) == target
    moved = {
        f
        for f in schema.NUMERIC_FEATURES
        if app.slider(key=f"predict_{f}").value != sliders[f]
    }
    assert moved and "popularity" not in moved  # popularity is locked by default
    # Now the genre is on top: the section says so.
    assert app.selectbox(key="predict_change_genre").value != target


def test_locking_a_feature_keeps_its_slider(data_and_model):
    app = open_app("predict").run()
    app.segmented_control(key="predict_view").set_value("another").run()
    app.selectbox(key="predict_change_genre").select_index(0).run()
    locked = ("energy", "acousticness", "danceability")
    for feature in locked:
        app.checkbox(key=f"predict_lock_{feature}").check()
    app.run()
    assert not app.exception, app.exception
    sliders = {f: app.slider(key=f"predict_{f}").value for f in locked}
    moves = app.button(key="predict_change_move") if "Make it" in texts(app) else None
    if moves is not None and not moves.disabled:
        moves.click().run()
    for feature in locked:
        assert app.slider(key=f"predict_{feature}").value == sliders[feature]
