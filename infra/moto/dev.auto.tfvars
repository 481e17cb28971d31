# envs/dev as .ci/terraform-moto.sh applies it against moto: leave out what moto cannot create
# (deploy/README.md, "Terraform against moto", lists it and why), and one browser origin so the
# files bucket gets its CORS rule.
emulated        = true
browser_origins = ["https://app.example.test"]
# The collector sidecar is off by default; on here, so the apply registers it and the checks read it.
otel_collector = true
