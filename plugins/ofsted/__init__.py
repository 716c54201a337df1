"""Ofsted, the lead inspectorate of joint targeted area inspections."""
