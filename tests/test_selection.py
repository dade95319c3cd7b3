from dirsync.sources.selection import group_selected


def test_include_and_exclude_patterns() -> None:
    assert group_selected("Engineering", ["*"], [])
    assert group_selected("engineering", ["Eng*"], [])
    assert not group_selected("Sales", ["Eng*"], [])
    assert not group_selected("Eng-Interns", ["Eng*"], ["*interns"])
    assert not group_selected("Anything", [], [])
