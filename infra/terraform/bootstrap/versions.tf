terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7"
    }
  }

  # Bootstrap keeps its own (small) state locally: it creates the bucket every other root uses.
  # After the first apply, move it into that bucket if you like (deploy/README.md says how).
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project   = "ferry"
      ManagedBy = "terraform"
      Root      = "bootstrap"
    }
  }
}
