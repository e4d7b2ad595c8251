#!/usr/bin/env python3
"""compose.yaml's structure, checked by .ci/containers (there is no compose
engine here to parse it): what issues 8 and 14 ask of it. Writes the load
service's entrypoint script to the file given as the first argument, for the
stage's load run. Exit 0 when nothing is missing.
"""
import re, sys, yaml
c = yaml.safe_load(open("compose.yaml"))
s = c["services"]
errors = []
def need(cond, what):
    if not cond:
        errors.append(what)
need(set(s) >= {"db", "app", "nginx", "load"}, "services db, app, nginx, load")
need("mysql" in s["app"]["environment"]["ROCKET_PROFILE"], "app on the MySQL profile by default")
need(s["app"]["depends_on"]["db"]["condition"] == "service_healthy", "app waits for a healthy db")
need(s["nginx"]["depends_on"]["app"]["condition"] == "service_healthy", "nginx waits for a healthy app")
need(s["load"]["depends_on"]["nginx"]["condition"] == "service_healthy", "load waits for a healthy nginx")
need(all("healthcheck" in s[n] for n in ("db", "app")), "db and app health checks")
db_vols = [v.split(":")[0] for v in s["db"]["volumes"]]
need(any(v in (c.get("volumes") or {}) for v in db_vols), "a named volume for the database")
need(s["nginx"]["build"]["dockerfile"] == "docker/nginx/Dockerfile", "nginx built from the role's template")
need(s["app"]["build"].get("target") == "runtime", "app from the Dockerfile's runtime stage")
need(s["load"].get("profiles") == ["load"], "load service only under the load profile")
need(all(p.startswith("127.0.0.1:") for p in s["nginx"].get("ports", [])), "published on loopback only")
# The bootstrap admin key: made once by the one-off service before the app
# starts, read by the app from its file and by the load service's entrypoint,
# kept in a named volume, and never written into this file.
key_dir = "/var/lib/shortlink/admin-key"
key = s.get("admin-key", {})
need(key.get("entrypoint") == ["/usr/local/bin/shortlink-admin-key"], "an admin-key service running docker/admin-key")
need("admin-key" in (c.get("volumes") or {}), "a named volume for the admin key")
need(f"admin-key:{key_dir}" in key.get("volumes", []), "admin-key writes into the admin-key volume")
need(s["app"]["depends_on"].get("admin-key", {}).get("condition") == "service_completed_successfully",
     "app waits for the admin-key service to finish")
need(s["app"]["environment"].get("ROCKET_ADMIN_KEY_FILE") == f"{key_dir}/admin.key", "app reads the key file")
need(f"admin-key:{key_dir}:ro" in s["app"]["volumes"], "app mounts the key read-only")
need(f"admin-key:{key_dir}:ro" in s["load"].get("volumes", []), "load mounts the key read-only")
entry = s["load"].get("entrypoint", [])
need(len(entry) == 4 and entry[:2] == ["/bin/sh", "-c"] and "SHORTLINK_API_KEY=" in entry[2],
     "load's entrypoint passes the key in SHORTLINK_API_KEY")
need("10001" in [str(g) for g in s["load"].get("group_add", [])], "load may read the key file (group 10001)")
# TLS at nginx: the certificate in a named volume, the HTTPS port published
# on loopback as it is inside, and the load test over HTTPS trusting the CA.
https = "${SHORTLINK_HTTPS_PORT:-8443}"
need("tls" in (c.get("volumes") or {}) and "tls:/etc/nginx/tls" in s["nginx"].get("volumes", []),
     "nginx keeps its certificate in the tls volume")
need(f"127.0.0.1:{https}:{https}" in s["nginx"].get("ports", []), "HTTPS published on loopback, same port")
need(s["nginx"]["build"]["args"].get("NGINX_HTTPS_PORT") == https, "nginx listens on the published port")
need(f"--host=https://nginx:{https}" in s["load"]["command"], "load test over HTTPS")
need("--ca-cert=/etc/shortlink/tls/ca.crt" in s["load"]["command"]
     and "tls:/etc/shortlink/tls:ro" in s["load"].get("volumes", []), "load test trusts the stack's CA")
need(not re.search(r"sl_[0-9A-Za-z]{12}_[A-Za-z0-9_-]{43}", open("compose.yaml").read()), "no key written in it")
for e in errors:
    print("compose.yaml lacks:", e)
if not errors:
    # The load entrypoint's script, as the shell will see it ($$ is compose's
    # escape for $), for the stage's load run.
    open(sys.argv[1], "w").write(entry[2].replace("$$", "$"))
sys.exit(1 if errors else 0)
