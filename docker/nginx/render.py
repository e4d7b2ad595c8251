#!/usr/bin/env python3
"""Render the Ansible nginx role's nginx.conf.j2 for the container stack.

One source: the template and its defaults are the role's own files
(ansible/roles/nginx/); this only layers the container's overrides
(docker/nginx/vars.yml) on top, the same precedence Ansible applies
(role defaults < role vars/Debian.yml < these), and prints the result.

    render.py ROLE_DIR OVERRIDES.yml > nginx.conf

NGINX_LIMIT_REQ_EXEMPT (space-separated addresses/CIDRs), if set, replaces
nginx_limit_req_exempt, e.g. to exempt a load generator's address;
NGINX_HTTPS_PORT, if set, replaces nginx_https_port.
"""
import os
import sys

import jinja2
import yaml


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def to_bool(value):
    """Ansible's `bool` filter: yes/on/true/1 (any case) are true."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("yes", "on", "true", "1", "y", "t")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    role, overrides = sys.argv[1], sys.argv[2]
    context = {}
    context.update(load(os.path.join(role, "defaults", "main.yml")))
    context.update(load(os.path.join(role, "vars", "Debian.yml")))
    context.update(load(overrides))
    exempt = os.environ.get("NGINX_LIMIT_REQ_EXEMPT")
    if exempt is not None:
        context["nginx_limit_req_exempt"] = exempt.split()
    https_port = os.environ.get("NGINX_HTTPS_PORT")
    if https_port:
        context["nginx_https_port"] = int(https_port)
    context.setdefault(
        "ansible_managed",
        "Rendered from ansible/roles/nginx/templates/nginx.conf.j2 by docker/nginx/render.py",
    )
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(role, "templates")),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        # Ansible's template module trims the newline after a block tag.
        trim_blocks=True,
    )
    # Ansible's filters the template uses, with Ansible's meaning.
    env.filters["bool"] = to_bool
    sys.stdout.write(env.get_template("nginx.conf.j2").render(context))


if __name__ == "__main__":
    main()
