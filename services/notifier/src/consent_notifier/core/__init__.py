"""The phone rule itself: registry, policy, callback tasks, roles. Standard library and phonenumbers only."""
