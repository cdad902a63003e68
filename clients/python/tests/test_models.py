"""Models, versions and aliases: reads that page, merge patches, archive, approval, delete."""

from __future__ import annotations

import mreg
from tests.support import RegistryTestCase, write_random


class ModelsTest(RegistryTestCase):
    def test_lists_follow_their_pages(self) -> None:
        prefix = self.name("paged")
        for i in range(5):
            self.registry.create_model(f"{prefix}-{i}")
        names = [m["name"] for m in self.registry.models(f"name^={prefix}", page_size=2)]
        self.assertEqual(sorted(names), [f"{prefix}-{i}" for i in range(5)])
        model = f"{prefix}-0"
        write_random(self.tmp / "f.bin", 10)
        for i in range(3):
            self.registry.push(model, {f"f{i}.bin": self.tmp / "f.bin"})
        self.assertEqual([v["version"] for v in self.registry.versions(model, page_size=1)], [3, 2, 1])

    def test_a_model_changes_by_merge_patch_and_is_archived_restored_and_deleted(self) -> None:
        model = self.name()
        created = self.registry.create_model(
            model, description="d", tags={"a": "1", "b": "2"}, properties={"k": {"x": 1}}, maintainers=("someone",)
        )
        self.assertEqual(created["maintainers"], ["someone"])
        updated = self.registry.update_model(model, tags={"a": None, "c": "3"}, properties={"k": {"y": 2}})
        self.assertEqual(updated["tags"], {"b": "2", "c": "3"})
        self.assertEqual(updated["properties"], {"k": {"x": 1, "y": 2}})
        self.assertEqual(self.registry.archive_model(model)["state"], "ARCHIVED")
        self.assertEqual(self.registry.restore_model(model)["state"], "LIVE")
        write_random(self.tmp / "f.bin", 10)
        self.registry.push(model, self.tmp / "f.bin")
        with self.assertRaises(mreg.Conflict):
            self.registry.delete_model(model)  # it has a READY version
        self.registry.delete_model(model, force=True)
        with self.assertRaises(mreg.NotFound):
            self.registry.model(model)

    def test_versions_aliases_and_approval(self) -> None:
        model = self.new_model()
        write_random(self.tmp / "a.bin", 10)
        write_random(self.tmp / "b.bin", 10)
        first = self.registry.push(model, self.tmp / "a.bin", label="1.0")
        second = self.registry.push(model, self.tmp / "b.bin", label="1.1")
        self.assertEqual(
            self.registry.set_alias(model, "champion", first["version"]), {"alias": "champion", "version": 1}
        )
        self.registry.set_alias(model, "champion", second["version"])
        self.assertEqual(self.registry.alias(model, "champion")["version"], 2)
        self.assertEqual(self.registry.version(model, "champion")["label"], "1.1")
        moves = list(self.registry.alias_history(model, "champion"))
        self.assertEqual([(m["from"], m["to"]) for m in moves], [(None, 1), (1, 2)])  # type: ignore[typeddict-item]
        self.registry.delete_alias(model, "champion")
        with self.assertRaises(mreg.NotFound):
            self.registry.alias(model, "champion")

        self.assertEqual(self.registry.approve(model, 1)["approval"], "APPROVED")
        tagged = self.registry.update_version(model, "label:1.1", description="better", tags={"eval": "ok"})
        self.assertEqual((tagged["description"], tagged["tags"]), ("better", {"eval": "ok"}))
        self.assertEqual(self.registry.archive_version(model, 2)["state"], "ARCHIVED")
        self.assertEqual(self.registry.version(model, "latest")["version"], 1)  # archived versions leave latest
        self.registry.delete_version(model, 1)
        self.assertEqual([v["version"] for v in self.registry.versions(model)], [2])
        history = [h["action"] for h in self.registry.model_history(model)]
        self.assertIn("version.create", history)
