-- SQL 201 · Relational Data Modelling and SQL
-- The "shop" schema used throughout the course.
--
-- Portable SQL: runs unchanged in PostgreSQL 13+ and SQLite 3.35+.
--   PostgreSQL:  psql -d scratch -f shop-schema.sql
--   SQLite:      sqlite3 shop.db < shop-schema.sql
-- SQLite only enforces foreign keys after:  PRAGMA foreign_keys = ON;

DROP TABLE IF EXISTS order_line;
DROP TABLE IF EXISTS customer_order;
DROP TABLE IF EXISTS product;
DROP TABLE IF EXISTS customer;

CREATE TABLE customer (
    customer_id  INTEGER                  PRIMARY KEY,
    email        VARCHAR(255)             NOT NULL UNIQUE,
    full_name    VARCHAR(200)             NOT NULL,
    country_code CHAR(2)                  NOT NULL DEFAULT 'GB',
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE product (
    product_id   INTEGER                  PRIMARY KEY,
    sku          VARCHAR(32)              NOT NULL UNIQUE,
    name         VARCHAR(200)             NOT NULL,
    unit_price   NUMERIC(10, 2)           NOT NULL CHECK (unit_price >= 0),
    discontinued BOOLEAN                  NOT NULL DEFAULT FALSE
);

-- "order" is a reserved word in SQL, so the table is customer_order.
CREATE TABLE customer_order (
    order_id     INTEGER                  PRIMARY KEY,
    customer_id  INTEGER                  NOT NULL REFERENCES customer (customer_id),
    ordered_at   TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    status       VARCHAR(16)              NOT NULL DEFAULT 'placed'
                 CHECK (status IN ('placed', 'paid', 'shipped', 'cancelled'))
);

CREATE TABLE order_line (
    order_id     INTEGER                  NOT NULL REFERENCES customer_order (order_id) ON DELETE CASCADE,
    line_no      INTEGER                  NOT NULL CHECK (line_no >= 1),
    product_id   INTEGER                  NOT NULL REFERENCES product (product_id),
    quantity     INTEGER                  NOT NULL CHECK (quantity > 0),
    unit_price   NUMERIC(10, 2)           NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (order_id, line_no)
);

-- Foreign-key columns are not indexed automatically (except in MySQL/InnoDB).
CREATE INDEX customer_order_customer_idx ON customer_order (customer_id, ordered_at);
CREATE INDEX order_line_product_idx      ON order_line (product_id);

-- Sample data: enough rows for every query in the course to return something.
INSERT INTO customer (customer_id, email, full_name, country_code, created_at) VALUES
    (1, 'ada@example.org',    'Ada Lovelace',    'GB', '2024-01-05 09:00:00+00'),
    (2, 'grace@example.org',  'Grace Hopper',    'US', '2024-02-11 14:30:00+00'),
    (3, 'edgar@example.org',  'Edgar Codd',      'GB', '2024-03-02 08:15:00+00'),
    (4, 'barbara@example.org','Barbara Liskov',  'US', '2024-03-20 17:45:00+00');

INSERT INTO product (product_id, sku, name, unit_price, discontinued) VALUES
    (10, 'MUG-001',  'Enamel mug',           8.50, FALSE),
    (11, 'NB-A5',    'A5 dotted notebook',   6.00, FALSE),
    (12, 'PEN-BLK',  'Black gel pen',        1.75, FALSE),
    (13, 'TOTE-NAT', 'Natural cotton tote', 12.00, TRUE);

INSERT INTO customer_order (order_id, customer_id, ordered_at, status) VALUES
    (100, 1, '2024-04-01 10:12:00+00', 'shipped'),
    (101, 1, '2024-04-18 19:40:00+00', 'paid'),
    (102, 2, '2024-04-19 07:05:00+00', 'placed'),
    (103, 3, '2024-05-02 12:00:00+00', 'cancelled');

INSERT INTO order_line (order_id, line_no, product_id, quantity, unit_price) VALUES
    (100, 1, 10, 2, 8.50),
    (100, 2, 12, 5, 1.75),
    (101, 1, 11, 1, 6.00),
    (102, 1, 10, 1, 8.50),
    (102, 2, 11, 3, 5.50),
    (103, 1, 12, 1, 1.75);
