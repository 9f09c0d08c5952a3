"""Products: the catalogue of product names, which purchase names which, and what is bought together.

``profile_product`` counts each profile's purchases of each product, ``co_purchase`` for every two products
the customers who bought both. Triggers keep both:

- a purchase linked to a product adds to its profile's count (``purchase_product`` insert); a link taken
  away (a legal hold keeps the purchase without its details) takes from it;
- a purchase deleted (erasure, retention) takes from its profile's counts before its links go with it;
- a purchase moved to another profile (a join or a split) takes from the old profile and adds to the new;
- a profile's first purchase of a product pairs that product with each other product the profile has
  bought (``co_purchase`` + 1 both ways); its last purchase of it gone, the pairs are taken back (- 1);
- a product no purchase names any more leaves the catalogue: a name made for one person ("Tasse mit
  Gravur Anna") goes with that person's erasure.

Purchases stored before this revision have no links yet: ``cdp offers rebuild`` opens them and adds them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _add(profile: str, products: str) -> str:
    """Add one purchase of each of ``products`` (a SELECT of product ids) to ``profile``'s counts."""
    return f"""
    INSERT INTO profile_product (profile_id, product_id, purchases)
    SELECT {profile}, product_id, 1 FROM ({products}) WHERE {profile} IS NOT NULL
    ON CONFLICT (profile_id, product_id) DO UPDATE SET purchases = purchases + 1;"""


def _take(profile: str, products: str) -> str:
    """Take one purchase of each of ``products`` from ``profile``'s counts; a count at 0 goes."""
    return f"""
    UPDATE profile_product SET purchases = purchases - 1
    WHERE profile_id = {profile} AND product_id IN ({products});
    DELETE FROM profile_product WHERE profile_id = {profile} AND purchases <= 0;"""


LINKS_OF = "SELECT product_id FROM purchase_product WHERE interaction_id = {}"
PROFILE_OF = "(SELECT profile_id FROM interaction WHERE id = {})"

TRIGGERS = {
    "purchase_product_insert": f"""
CREATE TRIGGER purchase_product_insert AFTER INSERT ON purchase_product
BEGIN{_add(PROFILE_OF.format("NEW.interaction_id"), "SELECT NEW.product_id AS product_id")}
END""",
    # A link deleted while its purchase stays; when the purchase itself goes, it is gone here already and
    # interaction_products_delete has taken the counts.
    "purchase_product_delete": f"""
CREATE TRIGGER purchase_product_delete AFTER DELETE ON purchase_product
BEGIN{_take(PROFILE_OF.format("OLD.interaction_id"), "SELECT OLD.product_id")}
    DELETE FROM product WHERE id = OLD.product_id
      AND NOT EXISTS (SELECT 1 FROM purchase_product WHERE product_id = OLD.product_id);
END""",
    "interaction_products_delete": f"""
CREATE TRIGGER interaction_products_delete BEFORE DELETE ON interaction
BEGIN{_take("OLD.profile_id", LINKS_OF.format("OLD.id"))}
END""",
    "interaction_products_move": f"""
CREATE TRIGGER interaction_products_move AFTER UPDATE OF profile_id ON interaction
WHEN OLD.profile_id IS NOT NEW.profile_id
BEGIN{_take("OLD.profile_id", LINKS_OF.format("NEW.id"))}{_add("NEW.profile_id", LINKS_OF.format("NEW.id"))}
END""",
    "profile_product_pairs_add": """
CREATE TRIGGER profile_product_pairs_add AFTER INSERT ON profile_product
BEGIN
    INSERT INTO co_purchase (product_id, other_id, customers)
    SELECT NEW.product_id, product_id, 1 FROM profile_product
    WHERE profile_id = NEW.profile_id AND product_id != NEW.product_id
    ON CONFLICT (product_id, other_id) DO UPDATE SET customers = customers + 1;
    INSERT INTO co_purchase (product_id, other_id, customers)
    SELECT product_id, NEW.product_id, 1 FROM profile_product
    WHERE profile_id = NEW.profile_id AND product_id != NEW.product_id
    ON CONFLICT (product_id, other_id) DO UPDATE SET customers = customers + 1;
END""",
    "profile_product_pairs_take": """
CREATE TRIGGER profile_product_pairs_take AFTER DELETE ON profile_product
BEGIN
    UPDATE co_purchase SET customers = customers - 1
    WHERE product_id = OLD.product_id
      AND other_id IN (SELECT product_id FROM profile_product WHERE profile_id = OLD.profile_id);
    UPDATE co_purchase SET customers = customers - 1
    WHERE other_id = OLD.product_id
      AND product_id IN (SELECT product_id FROM profile_product WHERE profile_id = OLD.profile_id);
    DELETE FROM co_purchase WHERE product_id = OLD.product_id AND customers <= 0;
    DELETE FROM co_purchase WHERE other_id = OLD.product_id AND customers <= 0;
END""",
}


def upgrade() -> None:
    op.create_table(
        "product",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False, unique=True),
    )
    op.create_table(
        "purchase_product",
        sa.Column(
            "interaction_id", sa.Integer, sa.ForeignKey("interaction.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("product_id", sa.Integer, sa.ForeignKey("product.id"), primary_key=True),
    )
    op.create_index("ix_purchase_product_product_id", "purchase_product", ["product_id"])
    op.create_table(
        "profile_product",
        sa.Column("profile_id", sa.Integer, primary_key=True),
        sa.Column("product_id", sa.Integer, primary_key=True),
        sa.Column("purchases", sa.Integer, nullable=False),
    )
    op.create_index("ix_profile_product_product_id", "profile_product", ["product_id"])
    op.create_table(
        "co_purchase",
        sa.Column("product_id", sa.Integer, primary_key=True),
        sa.Column("other_id", sa.Integer, primary_key=True),
        sa.Column("customers", sa.Integer, nullable=False),
    )
    op.create_index("ix_co_purchase_other_id", "co_purchase", ["other_id"])
    for trigger in TRIGGERS.values():
        op.execute(trigger)


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    for table in ("co_purchase", "profile_product", "purchase_product", "product"):
        op.drop_table(table)
