"""Message IDs and category (Agent Developer's Guide 7.2, "VCSAG_LOG_MSG": IDs 0-65535;
docs/framework.md, "Logging")."""

from vxha.agents.messages import CATEGORY, MSG


def test_message_ids_are_distinct_and_in_the_documented_range():
    assert len(set(MSG.values())) == len(MSG)
    assert all(0 <= i <= 65535 for i in MSG.values())


def test_the_category_is_the_one_constant_for_unregistered_agents():
    assert CATEGORY == 10000
