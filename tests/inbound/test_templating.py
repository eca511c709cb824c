from app.kit import templating

DATA = {
    "body": {
        "to": ["a@example.com", "b@example.com"],
        "count": 3,
        "user": {"name": "Zoé", "tags": ["x", "y"]},
        "evil": "{{body.secret}}",
        "secret": "hidden",
        "nothing": None,
    },
    "headers": {"x-request-id": "r-1"},
    "query": {"lang": "fr"},
}


def test_whole_placeholder_keeps_the_json_type():
    assert templating.render("{{body.to}}", DATA).value == [
        "a@example.com",
        "b@example.com",
    ]
    assert templating.render("{{ body.count }}", DATA).value == 3
    assert templating.render("{{body.user}}", DATA).value == {
        "name": "Zoé",
        "tags": ["x", "y"],
    }


def test_placeholders_inside_text_become_text():
    rendered = templating.render(
        "Hi {{body.user.name}} ({{body.user.tags.1}}), {{body.count}} items, "
        "req {{headers.x-request-id}} lang {{query.lang}} {{body.to}}",
        DATA,
    )
    assert rendered.value == (
        'Hi Zoé (y), 3 items, req r-1 lang fr ["a@example.com","b@example.com"]'
    )
    assert rendered.missing == []


def test_rendered_values_are_never_rendered_again():
    assert templating.render("{{body.evil}}", DATA).value == "{{body.secret}}"
    assert templating.render("x {{body.evil}}", DATA).value == "x {{body.secret}}"


def test_every_missing_placeholder_is_reported():
    rendered = templating.render(
        {
            "to": "{{body.nope}}",
            "list": ["{{body.to.5}}", "{{query.x}} {{body.count}}"],
        },
        DATA,
    )
    assert rendered.missing == ["body.nope", "body.to.5", "query.x"]
    assert rendered.value["list"][1] == " 3"


def test_null_is_a_value_not_a_missing_field():
    rendered = templating.render("{{body.nothing}}", DATA)
    assert rendered.missing == []
    assert rendered.value is None


def test_check_reports_unknown_roots_and_malformed_placeholders():
    roots = ("body", "headers", "query")
    assert templating.check("{{body.to}} and {{ query.x }}", roots) == []
    problems = templating.check({"a": ["{{env.HOME}}", "{{body.to"]}, roots)
    assert len(problems) == 2
    assert "env" in problems[0]
    assert "malformed" in problems[1]
    assert templating.check("{{}}", roots) != []
    assert templating.check(42, roots) == []
