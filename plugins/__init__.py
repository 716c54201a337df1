"""First-party inspectorate plugins; each joins core through the jtai entry-point group."""
