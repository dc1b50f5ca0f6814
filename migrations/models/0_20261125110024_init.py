from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "artists" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(255) NOT NULL,
    "slug" VARCHAR(255) NOT NULL UNIQUE,
    "search_name" VARCHAR(255) NOT NULL,
    "ticketmaster_id" VARCHAR(64) UNIQUE,
    "spotify_id" VARCHAR(64) UNIQUE,
    "spotify_match" VARCHAR(32) NOT NULL,
    "image_url" VARCHAR(1024),
    "genres" JSONB NOT NULL,
    "popularity" INT,
    "upcoming_event_count" INT NOT NULL,
    "songs_synced_at" TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS "idx_artists_search__181aea" ON "artists" ("search_name");
CREATE INDEX IF NOT EXISTS "idx_artists_songs_s_c5309c" ON "artists" ("songs_synced_at");
COMMENT ON COLUMN "artists"."spotify_match" IS 'TICKETMASTER_LINK: ticketmaster_link\nSEARCH: search\nMANUAL: manual\nNONE: none';
CREATE TABLE IF NOT EXISTS "songs" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "spotify_id" VARCHAR(64) NOT NULL UNIQUE,
    "name" VARCHAR(512) NOT NULL,
    "album_name" VARCHAR(512),
    "album_id" VARCHAR(64),
    "release_date" VARCHAR(10),
    "duration_ms" INT,
    "popularity" INT,
    "preview_url" VARCHAR(1024),
    "rank" INT,
    "cached_at" TIMESTAMPTZ NOT NULL,
    "artist_id" INT NOT NULL REFERENCES "artists" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_songs_artist__2bc166" ON "songs" ("artist_id", "rank");
COMMENT ON TABLE "songs" IS 'A track in an artist''s cached catalog; rank 1 is the most popular.';
CREATE TABLE IF NOT EXISTS "sync_events" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "run_id" UUID NOT NULL,
    "job" VARCHAR(64) NOT NULL,
    "level" VARCHAR(16) NOT NULL,
    "entity" VARCHAR(255),
    "message" TEXT NOT NULL,
    "details" JSONB NOT NULL,
    "api_calls" INT NOT NULL,
    "duration_ms" INT
);
CREATE INDEX IF NOT EXISTS "idx_sync_events_run_id_8ff76a" ON "sync_events" ("run_id");
CREATE INDEX IF NOT EXISTS "idx_sync_events_job_8edc2e" ON "sync_events" ("job", "created_at");
COMMENT ON COLUMN "sync_events"."level" IS 'INFO: info\nWARNING: warning\nERROR: error';
COMMENT ON TABLE "sync_events" IS 'One line of the sync journal: a run''s start or finish, or a failure with its context.';
CREATE TABLE IF NOT EXISTS "venues" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "ticketmaster_id" VARCHAR(64) NOT NULL UNIQUE,
    "name" VARCHAR(255) NOT NULL,
    "city" VARCHAR(255) NOT NULL,
    "state_code" VARCHAR(16),
    "country_code" VARCHAR(2) NOT NULL,
    "address" VARCHAR(512),
    "postal_code" VARCHAR(32),
    "latitude" DOUBLE PRECISION,
    "longitude" DOUBLE PRECISION,
    "timezone" VARCHAR(64)
);
CREATE INDEX IF NOT EXISTS "idx_venues_city_4d1cc4" ON "venues" ("city");
CREATE TABLE IF NOT EXISTS "shows" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "ticketmaster_id" VARCHAR(64) NOT NULL UNIQUE,
    "name" VARCHAR(512) NOT NULL,
    "starts_at" TIMESTAMPTZ,
    "local_date" DATE NOT NULL,
    "local_time" VARCHAR(8),
    "status" VARCHAR(16) NOT NULL,
    "url" VARCHAR(1024),
    "price_min" DECIMAL(10,2),
    "price_max" DECIMAL(10,2),
    "currency" VARCHAR(3),
    "synced_at" TIMESTAMPTZ NOT NULL,
    "headliner_id" INT NOT NULL REFERENCES "artists" ("id") ON DELETE RESTRICT,
    "venue_id" INT NOT NULL REFERENCES "venues" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_shows_local_d_961e77" ON "shows" ("local_date", "id");
CREATE INDEX IF NOT EXISTS "idx_shows_headlin_0be656" ON "shows" ("headliner_id", "local_date");
COMMENT ON COLUMN "shows"."status" IS 'ONSALE: onsale\nOFFSALE: offsale\nCANCELLED: cancelled\nPOSTPONED: postponed\nRESCHEDULED: rescheduled';
CREATE TABLE IF NOT EXISTS "show_artists" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "billing_order" INT NOT NULL,
    "artist_id" INT NOT NULL REFERENCES "artists" ("id") ON DELETE RESTRICT,
    "show_id" INT NOT NULL REFERENCES "shows" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_show_artist_show_id_a323d1" UNIQUE ("show_id", "artist_id")
);
COMMENT ON TABLE "show_artists" IS 'One act on a show''s bill; billing_order 0 is the headliner.';
CREATE TABLE IF NOT EXISTS "setlists" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "show_id" INT NOT NULL UNIQUE REFERENCES "shows" ("id") ON DELETE RESTRICT
);
COMMENT ON TABLE "setlists" IS 'A show''s setlist: created on the first visit, one per show (a unique key), kept forever.';
CREATE TABLE IF NOT EXISTS "users" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "email" VARCHAR(320) NOT NULL UNIQUE,
    "password_hash" VARCHAR(255) NOT NULL,
    "display_name" VARCHAR(64) NOT NULL
);
CREATE TABLE IF NOT EXISTS "setlist_songs" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "votes" INT NOT NULL,
    "suggested" BOOL NOT NULL,
    "position" INT NOT NULL,
    "setlist_id" INT NOT NULL REFERENCES "setlists" ("id") ON DELETE CASCADE,
    "song_id" INT NOT NULL REFERENCES "songs" ("id") ON DELETE RESTRICT,
    "suggested_by_id" INT REFERENCES "users" ("id") ON DELETE SET NULL,
    CONSTRAINT "uid_setlist_son_setlist_7d0934" UNIQUE ("setlist_id", "song_id")
);
COMMENT ON TABLE "setlist_songs" IS 'A song on a setlist. Invariant: votes == count of its user_votes rows.';
CREATE TABLE IF NOT EXISTS "user_votes" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "setlist_song_id" INT NOT NULL REFERENCES "setlist_songs" ("id") ON DELETE CASCADE,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_user_votes_user_id_7b2d87" UNIQUE ("user_id", "setlist_song_id")
);
CREATE INDEX IF NOT EXISTS "idx_user_votes_setlist_74333f" ON "user_votes" ("setlist_song_id");
CREATE TABLE IF NOT EXISTS "auth_tokens" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "revoked_at" TIMESTAMPTZ,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "auth_tokens" IS 'A bearer token, stored only as its SHA-256 so a database leak leaks no usable token.';
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztXW1v4rgW/isWX3ZW6lZtp9OtunevRCnd4Q6FEdDZ1bajyAQD2QaHTZx2uHvnv1/bSc"
    "ibAw4NlARLo07r+DjJc+zj8+aTf2oza4RM57huE8MhtSvwTw3DGaK/JK4cgRqcz8N21kDg"
    "0ORdIe/D2+DQITbU2VBjaDqINo2Qo9vGnBgWpq3YNU3WaOm0o4EnYZOLjb9dpBFrgsgU2f"
    "TCw1fabOAR+oac4M/5kzY2kDmKPasxYvfm7RpZzHlbC5Nb3pHdbajplunOcNh5viBTCy97"
    "G5i/4wRhZEOC2PDEdtnjs6fzXzR4I+9Jwy7eI0ZoRmgMXZNEXneohW01Tet0B1q/OdC0Wg"
    "6AdAszcOmjOvztJ+wRfjo7Pf/5/PL9xfkl7cIfc9ny83fv1iEwHiGHpzOofefXIYFeD45x"
    "CKpuI4aEBkka3Bt6hRgzJEY4TplAeuSTHge/JHEPUF4FfNAQIh/Otl1AT19w1MXmwmf5Cp"
    "wHrbtmf1C/+8xuN3Ocv02OX33QZFfOeOsi0fru4kfWbtGF5C2w5SDg99bgI2B/gj+7nSaH"
    "13LIxOZ3DPsN/qyxZ4IusTRsvWhwFJmdQWuAGu0Zct2djzbkepxScX1fuB5gFGG7//Qh1/"
    "n/KX43ptAW8zron+AyRauMfJ3Bb5qJ8IRMmfT88GEFY7/Ue42P9d472ivBrY5/6cy79j2G"
    "r2O6kzz4Bv2Lwfdtt6kdoIugrU+1vJM4QbatuVwxsImhPyEygw5BtiZSvLIBF5BuBLqP6D"
    "7O74tzCcQvzjMBZ5cSk3tuEWO8yAl1nEqhLIvyDBJ9Kga6id0ZB7tFnwxiHWWCvhxkd9tj"
    "DVs4eCBZ8Kni0PjUHNzV+4NmT2u3Op8oT6NL1DTw0yPuNxlsV8ATl4/4rt65r7evwAxiF5"
    "qPuENVEsq24P45Wfn+TIKV788yWckuxVlpzOAEaa5t5lkvMaJClsteKTWnJ2cyS4Z1y0Ta"
    "uxjHmmLClNAU0P/pdztioEOKpIVg6AT8D5i+t2Eri+RfYxfrDEkwdA2TGNg5Zvf7d86FI8"
    "2EFZAzhGLGQQD0u7v6H0keNNrd66TWzwa4TrBjbs1dE9oGWeTwh8SJ1vtFSjD3C/GMRG1i"
    "3ZrRG2roGWFCoXOxwDrOBDiLfCOoN5r4JyUB2rHwxNGcBd1cN/FACMgLcEOsn9y7VITK63"
    "TwfE3Mhzt+ijgcWcMQ6k8v0B5psSvhvJgiOKLKCOWqM7VeBPvNtT/A7aceMiHHNM1836Pd"
    "p0OU0EvxPZjtQWtN4McZGibFaVIAQqHfv4o4cUnxSpDoEFWCh61D68zKWpnpS7OzWbIFYq"
    "pFj/x7sztFl5wguBQsxezQ0nK9bzWw9FAzLR2aGtsV2M2o1Ux7PCzlTuCtiPT6qoJRKhi1"
    "Fyu6pGEJFYw6RK7LBKP2wMO8Z8J1y85PFf1bgvvhVMYfSXtlwsuvJcxaAm3ibGLQRgl3Ys"
    "q+hS5aQpmV3qriCmSayWIGx6lWcbiEK2sFexnLEovEgyKYyLKiKE5VPcf9pYQ0usyURZcC"
    "SURcgeErGd9aUu8wsEXRgWbu0Fa306+3m1fAo37E3dtbv2E89loa9U6j2W43b66Azt7WNN"
    "HoEX/u9gefqYigrUxCzC3MWnvNfuNj8+ae96ZCQ5+ikUv7bxLwOr2QCcQkRVkkDHORZGrO"
    "UJcKcuUMcs1tQ0fazMACyY50YwbNjMBKlC4p2z3CY3+A8kG/Srg3G627eptieeSpSXSfNg"
    "iK8uD8JANk+G0zkD06BfJqkHXXthHWBdHBbHERpamezHgvk32QnXyQ2l83Dl0VHLQqkS5Y"
    "OlU/6RWWdPUmyXYX/t17v2+I7TPCLsqHa5REYepjmgqzCqZvGuNby0bGBH9Ci5QhIA6CVS"
    "5KSJtt+LKM6qQWLYWAvjjyNlpqFgx6rcaglp7CBWD7JRinotBG120GrDK5AYw77vyVsdxK"
    "BrxzRXSj2fQkSMITI9rFaGDRHxK4hkOVS0lciWnOwHf22cr4tFsdBNfyHLKsUe4A2gFYGE"
    "DAyH9wAMsN+QX4GSKaZY+QDU6A4QAyRWAp546TPo3XjiWIvj/wN+Jv4r39V3XQU8XW91G2"
    "ljTKqmLrh8h1mdh6TGTnkKUpOmVpCaxXbzvLZ77GaBSqoqxwpv7kwjRCoRBd7xEItLFXGq"
    "wVS6w+StirkUkVM1cb9X6jftOsCSSB8rCshzUm/3L7AbaatWzx10ubbX7m9wqDLUgvX2+p"
    "1QHr8AQMal3RfxwMamDpkMWY6X8EmtbkF2BD/AROAwtrRpUC4J/bShtsxQwpkzUd4x0bT6"
    "VFK9NtT+RPSZV4ZbodItdlTLc3KwSxZyJVJUOXOhkamkN3lrtWT5yqenkoW4Q6n7yI0lQP"
    "5uLFhU3NFeigjMzvbJyTdNXD+vREKhlzRSpmEuuRa/OAozYTpDBn2hIJKlXgIu1hU3VDtg"
    "OrjZ4N9JK3FlGCrIqSYTuJ2twDIT+Bg+5q6qanrucs2sSvECWsoIFZXoMy7UdQ4aqils6K"
    "4IqKBOwmEpBKYNMQps8lqk6XKzXQG0xVe8kRN1lgvclKndVEwZPlxaOVERTazauXliPjjS"
    "WdAWvM4xlsAPCX5doYmlcAAtvFPziAH6gGlg3GBjac6RH7FdIhDdO1EXgxyBQYxAEUL4K+"
    "EXEu3FbuIhNt+csasq4Rz72Ktqhoy34ImpL63VW05RC5LhNtoZJcqBjf37duMszJJUWC06"
    "5rjI4ZXTEc3pNqk97RSI9DUez5i8aNSX/jkvV/+N0rGFAp3v1sUh0pw7m0vp7DkniH5RwM"
    "PLZq+cCmO/Nt9wowykf8e73XaXV+uwJUT8UU+Ufc7PW6vSuAbNuykwqblDeq8IIMVGsVul"
    "Kzp3xIUT1v31a+QjFDjkOtjzTGA6pRizGOkFRCtKzabJt/DGL7bKq4+HKvbXc7vwXdkxXH"
    "E9EXRKgFk6vYe4RkP6q9s9tWpto7nBuaDk0RS7Ldd1EaVYA86fZWEcZtOkXfJo3XO0ctcE"
    "UtD1hnu6H4GWX1YUvlxlFunH026JUb5xC5LuPGUbWEVfpspQxfPadnQX+NX2HPvJG7+JQo"
    "oWhQ+Eb5viQao6qeC6d4Fxn/CJa9yI10kq6KYkNmVmfP6VQS+GhEt9OMmr8ZToKQpHpzeS"
    "uZ9kxrgWbu2Zwgqx7YxX/dk+XrEFcE861pwQzLOEqUAHnMqMoH8wpYb7r31+0m+NxrNlr9"
    "lu93XOrk/CJrCuvF9pr1dqoYO55sAHOUSuEsgTMzGP/rfzlX3i4JaaonMYqxSHK4HuNlMN"
    "S3BXeXJugXBxQlCYZ1A1ekCHqdpOss+KXrfLIr4DvzWF07lso3NmyHgGfDMcgRbUNgjmxO"
    "A95B4DEKPKHFj0f055yAsWWjZ1G5vG3eSHmSlSe5JCKlpD5F5Uk+RK7LeJL3oApZ6WXpZm"
    "pZAd/qPZRDHOtqugWlmyWPHG2qzr7pRJU9bpRVzy3jsFERum5mRbH4/Fyr82q5Coyxzn71"
    "Zo/8GLTwM7QNiKl2+mwR5IBffwXctcoOtrCzKa6DbM27ZFOrSKjmFjSsuEB0aAGw+6gK0U"
    "rP3U/hXFKNR+m5h8h1GT2XS+ccMnTZX2WTpgoXu5MJcti7p7VXyzIRxBmGQ5QuAeuQEm4L"
    "12XLbh3p191uO7Y4rlvJdPT7u+tm791p4kN3okI2jhGYApLzN0qi6hmIZrGvc+azfWNECl"
    "cRrlSvzQlqSKEQXSVvtaG4TGY2smlKlcW/vm581pei8peOl/5Q1L7NYWlvQ0wgri8g7/i+"
    "gNcCWy2XVwrVUCJKfJkvusoLwPbeQSUMt0tDmxaJMYjpc4DOfbstV5MndPy8zpPLMP9ikT"
    "LajG8SZOdzVOBxDOZutquRcUydfFJ+POXH22ePjvLjHSLXZfx4aAaNXGVnlwSVO+X0/kym"
    "FDXttSIPOVWMeg4d58Wi+/MUOtM8OKcIq3iGYRtnc0aGMzfhIve3A5J0FcT7LbNmPTuBPv"
    "5OkzRKYlXJhFYO3f6JJcRbT+i1E6nukumAjVMlkLZtJPJJlWEoBhNutbEYmvfFWowPfHQe"
    "+Ylkv6QyQh5il5nHQlVHVcblfqzqkpoZyrg8RK5LJUMnRK28NBVQqlimIJbJd9RcyEYoFK"
    "Lrg5eBUrGbINC+gSsbBYpMKomYZVQ/ez201czaTyIsEIhipLON8W3aBqExJTAOYpZWtnVA"
    "d5KpFlp2MjnrQwRtZANOdAQcQucOO0BpLgB0eCZ5/2P9p7MPF8CxAARMJx1CBwETwSf+ww"
    "HYAq7DnsAbRJTBvp2bqKCXsktKIqNKqqEqu+QQuS5jl3ApnDsiE6eqXPir+CJ/6NvcoEzb"
    "YHHFKSu4uMq7mNIy1EbPdGVsIkPjlAWweT/DPZXgsvI0KE/DHtjBaz0Nb2T/ItvQpzWR8e"
    "tdOVpp+YZ9VBZlmZbz0QqD8hnZjvCMWbaGGSGpYPbJVrJ92KLKgbDfvYLonp7IZK/RXiu+"
    "lZ7KXuPfHsUCvS77Yz4Rkt1/zOdtdLnCPtuTI7Oq+M3s+/8BLZxVCQ=="
)
