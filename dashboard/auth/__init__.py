"""Authentication, sessions, roles and the secure callback wrapper."""
