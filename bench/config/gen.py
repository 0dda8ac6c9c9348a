#!/usr/bin/env python3
"""gen.py - writes a Terraform-plan-like JSON document (`terraform show
-json` shape: planned_values.root_module with resources and child_modules,
plus resource_changes) with N AWS resources, from a fixed seed, so that
every run benchmarks the same bytes. About 300 bytes per resource: the
default 500,000 resources give about 150 MB.

usage: gen.py [N] > plan.json
"""
import json
import random
import sys

N = int(sys.argv[1]) if len(sys.argv) > 1 else 500_000
rnd = random.Random(20261122)
REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", "us-west-2"]
PORTS = [22, 80, 443, 3389, 5432, 8080]
CIDRS = ["0.0.0.0/0", "10.0.0.0/8", "192.168.1.0/24", "172.16.0.0/12"]


def resource(i):
    kind = rnd.random()
    if kind < 0.35:
        port = rnd.choice(PORTS)
        return "aws_security_group", {
            "name": f"sg-{i}", "description": "managed", "vpc_id": f"vpc-{i % 977:05x}",
            "ingress": [{"from_port": port, "to_port": port, "protocol": "tcp",
                         "cidr_blocks": [rnd.choice(CIDRS)], "description": ""}],
            "egress": [{"from_port": 0, "to_port": 0, "protocol": "-1",
                        "cidr_blocks": ["0.0.0.0/0"]}],
            "tags": {"Name": f"sg-{i}", "env": rnd.choice(["prod", "dev"])}}
    if kind < 0.6:
        return "aws_s3_bucket", {
            "bucket": f"bucket-{i}", "acl": rnd.choice(["private", "public-read"]),
            "force_destroy": False, "tags": {"Name": f"bucket-{i}"}}
    if kind < 0.8:
        return "aws_ebs_volume", {
            "availability_zone": rnd.choice(REGIONS) + "a", "size": rnd.choice([8, 20, 100]),
            "encrypted": rnd.random() < 0.7, "type": "gp3", "tags": {"Name": f"vol-{i}"}}
    return "aws_db_instance", {
        "identifier": f"db-{i}", "engine": "postgres", "instance_class": "db.t3.micro",
        "storage_encrypted": rnd.random() < 0.8, "publicly_accessible": rnd.random() < 0.1,
        "backup_retention_period": rnd.choice([0, 7, 14]), "tags": {"Name": f"db-{i}"}}


def main():
    out = sys.stdout
    out.write('{"format_version":"1.2","terraform_version":"1.9.0",'
              '"planned_values":{"root_module":{"resources":[')
    changes = []
    per_module = 1000
    top = N // 2
    for i in range(top):
        t, v = resource(i)
        addr = f"{t}.r{i}"
        out.write(("," if i else "") + json.dumps(
            {"address": addr, "mode": "managed", "type": t, "name": f"r{i}",
             "provider_name": "registry.terraform.io/hashicorp/aws",
             "schema_version": 0, "values": v}, separators=(",", ":")))
        changes.append(addr)
    out.write('],"child_modules":[')
    i = top
    m = 0
    while i < N:
        out.write(("," if m else "") + f'{{"address":"module.m{m}","resources":[')
        for k in range(min(per_module, N - i)):
            t, v = resource(i)
            addr = f"module.m{m}.{t}.r{i}"
            out.write(("," if k else "") + json.dumps(
                {"address": addr, "mode": "managed", "type": t, "name": f"r{i}",
                 "provider_name": "registry.terraform.io/hashicorp/aws",
                 "schema_version": 0, "values": v}, separators=(",", ":")))
            i += 1
        out.write("]}")
        m += 1
    out.write(']}},"resource_changes":[')
    for k, addr in enumerate(changes[:1000]):
        out.write(("," if k else "") + json.dumps(
            {"address": addr, "change": {"actions": ["create"], "after_unknown": {"id": True}}},
            separators=(",", ":")))
    # Every `terraform show -json` plan carries its configuration; the
    # provider's region is where resources without a region attribute live.
    out.write('],"configuration":{"provider_config":{"aws":{"name":"aws",'
              '"full_name":"registry.terraform.io/hashicorp/aws","expressions":'
              '{"region":{"constant_value":"eu-west-1"}}}}}}\n')


if __name__ == "__main__":
    main()
