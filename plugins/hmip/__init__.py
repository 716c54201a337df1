"""HMI Probation's JTAI plugin: probation and youth offending criteria, requests and forms."""
