# One private repository per service. Tags are immutable (CI pushes `sha-<short>` once), images
# are scanned on push, and the lifecycle drops untagged layers after a day and keeps the last
# `keep_images` images, except that an image CD deployed is never expired by count: CD adds the
# tag `<deployed_prefix><env>-<tag>` (e.g. deployed-prod-sha-1a2b3c4) once a rollout completed,
# and an image a higher-priority rule matches is out of reach of the lower ones. So what dev or
# prod runs, and what they ran before (the rollback targets), stays however many builds follow.

resource "aws_ecr_repository" "this" {
  for_each             = toset(var.services)
  name                 = "${var.prefix}/${each.key}"
  image_tag_mutability = "IMMUTABLE"
  force_delete         = false

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }
}

resource "aws_ecr_lifecycle_policy" "this" {
  for_each   = aws_ecr_repository.this
  repository = each.value.name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Drop untagged images after a day"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = 1
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep every image CD deployed (tag ${var.deployed_prefix}<env>-<tag>)"
        selection = {
          tagStatus     = "tagged"
          tagPrefixList = [var.deployed_prefix]
          countType     = "imageCountMoreThan"
          countNumber   = var.keep_deployed_images
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 3
        description  = "Keep the last ${var.keep_images} images"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = var.keep_images
        }
        action = { type = "expire" }
      },
    ]
  })
}
