"""crm.fragments.memo_each: each item rendered once per exact key, in order, within a bounded store."""
from markupsafe import Markup

from crm.fragments import memo_each


def test_items_render_once_per_key_and_come_back_in_order(app):
    rendered = []

    def render(items):
        rendered.append(list(items))
        return [Markup("<li>{}</li>").format(item["text"]) for item in items]

    def key(item):
        return item["id"], item["text"]

    first = memo_each("test.items", [{"id": 1, "text": "a"}, {"id": 2, "text": "<b>"}], key, render)
    assert first == Markup("<li>a</li><li>&lt;b&gt;</li>")
    again = memo_each("test.items", [{"id": 2, "text": "<b>"}, {"id": 3, "text": "c"}, {"id": 1, "text": "a"}],
                      key, render)
    assert again == Markup("<li>&lt;b&gt;</li><li>c</li><li>a</li>")
    assert [[i["id"] for i in batch] for batch in rendered] == [[1, 2], [3]]  # only the new one the second time
    changed = memo_each("test.items", [{"id": 1, "text": "A"}], key, render)
    assert changed == Markup("<li>A</li>") and rendered[-1] == [{"id": 1, "text": "A"}]


def test_the_store_is_bounded_and_kept_per_app(app, make_app):
    def render(items):
        return [str(item) for item in items]

    for n in range(50):
        memo_each("test.bounded", [n], lambda item: item, render, size=10)
    store = app.extensions["crm_fragment_memo"]["test.bounded"]
    assert len(store) == 10 and {item for _viewer, item in store} == set(range(40, 50))  # the oldest went first
    other = make_app()
    with other.app_context():
        assert "crm_fragment_memo" not in other.extensions
