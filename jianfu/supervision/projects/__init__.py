"""Key projects (重点项目): owner, milestones and money by month, deals signed and landed, and the
health checks that catch fake or repeated starts and stalled money."""
