"""crm.generation.Cached / cached: values kept per process until their generation counters move."""
from crm import generation


def test_cached_value_is_reused_until_its_counter_moves(app, db):
    calls = []

    def load(locale):
        calls.append(locale)
        return f"{locale}-{len(calls)}"

    cache = generation.Cached(load, "test.things")
    assert cache("en") == "en-1"
    assert cache("en") == "en-1"
    assert cache("tr") == "tr-2"  # the extra key has its own entry
    assert calls == ["en", "tr"]
    generation.bump("test.things")
    db.session.commit()
    assert cache("en") == "en-3"
    assert cache("tr") == "tr-4"


def test_another_counter_does_not_drop_the_value(app, db):
    calls = []
    cache = generation.Cached(lambda: calls.append(1) or len(calls), "test.a")
    assert cache() == 1
    generation.bump("test.b")
    db.session.commit()
    assert cache() == 1
    generation.bump()  # the configuration counter is not one of its keys either
    db.session.commit()
    assert cache() == 1


def test_several_counters_each_invalidate(app, db):
    calls = []
    cache = generation.Cached(lambda: calls.append(1) or len(calls), "test.a", generation.KEY)
    assert cache() == 1
    generation.bump(generation.KEY)
    db.session.commit()
    assert cache() == 2
    generation.bump("test.a")
    db.session.commit()
    assert cache() == 3


def test_size_bounds_the_entries(app):
    calls = []
    cache = generation.Cached(lambda n: calls.append(n) or n, "test.a", size=2)
    cache(1), cache(2), cache(3)  # 1 is dropped
    cache(3), cache(2)
    assert calls == [1, 2, 3]
    cache(1)
    assert calls == [1, 2, 3, 1]


def test_decorated_function_is_cached_per_app(make_app):
    calls = []

    @generation.cached("test.per_app")
    def value():
        calls.append(1)
        return len(calls)

    first, second = make_app(), make_app()
    with first.app_context():
        assert value() == 1
        assert value() == 1
    with second.app_context():
        assert value() == 2  # another app (another database) builds its own
    with first.app_context():
        assert value() == 1
        value.clear()
        assert value() == 3


def test_a_read_within_a_request_costs_no_query_after_the_first(app, count_queries):
    cache = generation.Cached(lambda: "v", "test.a")
    with app.test_request_context("/"):
        cache()
        with count_queries() as q:
            for _ in range(10):
                cache()
        assert q.count == 0
