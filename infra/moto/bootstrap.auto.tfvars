# bootstrap as .ci/terraform-moto.sh applies it against moto.
github_repository = "ferry-ci/ferry"
