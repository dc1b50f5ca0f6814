from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Setlists made before the seed: those with songs from the catalog came from Spotify's top tracks.
    return """
        ALTER TABLE "setlists" ADD "seeded_from" VARCHAR(32) NOT NULL DEFAULT 'empty';
        UPDATE "setlists" SET "seeded_from" = 'spotify_top_tracks'
            WHERE EXISTS (
                SELECT 1 FROM "setlist_songs" ss WHERE ss."setlist_id" = "setlists"."id" AND NOT ss."suggested"
            );
        ALTER TABLE "setlists" ALTER COLUMN "seeded_from" DROP DEFAULT;
        COMMENT ON COLUMN "setlists"."seeded_from" IS 'TOUR_HISTORY: tour_history\nSPOTIFY_TOP_TRACKS: spotify_top_tracks\nEMPTY: empty';
        CREATE TABLE IF NOT EXISTS "tour_artists" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "musicbrainz_id" VARCHAR(36),
    "how" VARCHAR(16) NOT NULL,
    "checked_at" TIMESTAMPTZ NOT NULL,
    "history_synced_at" TIMESTAMPTZ,
    "predictability" DOUBLE PRECISION,
    "artist_id" INT NOT NULL UNIQUE REFERENCES "artists" ("id") ON DELETE CASCADE
);
COMMENT ON COLUMN "tour_artists"."how" IS 'SEARCH: search\nAMBIGUOUS: ambiguous\nNONE: none';
COMMENT ON TABLE "tour_artists" IS 'One artist''s link to setlist.fm and the state of its tour history.';
        CREATE TABLE IF NOT EXISTS "tour_setlists" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "setlistfm_id" VARCHAR(16) NOT NULL UNIQUE,
    "version_id" VARCHAR(16) NOT NULL,
    "event_date" DATE NOT NULL,
    "tour_name" VARCHAR(255),
    "scored_songs" INT NOT NULL,
    "artist_id" INT NOT NULL REFERENCES "artists" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_tour_setlis_artist__e72276" ON "tour_setlists" ("artist_id", "event_date");
COMMENT ON TABLE "tour_setlists" IS 'One setlist of an artist''s recent shows, as setlist.fm had it when last fetched.';
        CREATE TABLE IF NOT EXISTS "tour_songs" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "position" INT NOT NULL,
    "name" VARCHAR(512) NOT NULL,
    "title_key" VARCHAR(512) NOT NULL,
    "tape" BOOL NOT NULL,
    "cover" BOOL NOT NULL,
    "medley_part" INT,
    "setlist_id" INT NOT NULL REFERENCES "tour_setlists" ("id") ON DELETE CASCADE,
    "song_id" INT REFERENCES "songs" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_tour_songs_setlist_e113a9" ON "tour_songs" ("setlist_id", "position");
COMMENT ON TABLE "tour_songs" IS 'One song of a stored setlist, in order; a medley (\"A / B\") is one row per part.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "tour_songs";
        DROP TABLE IF EXISTS "tour_setlists";
        DROP TABLE IF EXISTS "tour_artists";
        ALTER TABLE "setlists" DROP COLUMN "seeded_from";"""


MODELS_STATE = (
    "eJztXW1z27gR/isYfTlnxk39knMzTtsZ2ZEvuthWRpLvro1uaJiCJJ4pQCVBO7o2/70ASE"
    "p8lQBJtEkKXxyFxILks8AC+2Cx+G9jSobIdt82HWq5tHEO/tvAcIrYj8SdQ9CAs9nyOr9A"
    "4YMtikJRRlyDDy51oMmrGkHbRezSELmmY82oRTC7ij3b5heJyQpaeLy85GHrPx4yKBkjOk"
    "EOu/H1d3bZwkP0Dbnhf2ePxshC9jD2rtaQP1tcN+h8Jq61Mb0SBfnTHgyT2N4ULwvP5nRC"
    "8KK0hcU3jhFGDqSIV08dj78+f7vgQ8Mv8t90WcR/xYjMEI2gZ9PI5z4Yy2sNw7jt9I1eq2"
    "8YDQWATII5uOxVXfH1Y/4Kfzk5fve3d+9Pz969Z0XEay6u/O27/+glML6ggOe23/gu7kMK"
    "/RIC4yWopoM4EgakaXA/sjvUmqJshOOSCaSHgejb8EcS9xDlVcCHF5bIL1vbS0DPPnDYwf"
    "Y8UPkKnPvtm1av37z5wh83dd3/2AK/Zr/F75yIq/PE1YOzN/w6YR3J72CLSsCv7f4nwP8L"
    "/t25bQl4iUvHjnjislz/3w3+TtCjxMDk2YDDSOsMr4aosZJLrXuz4YZaj0tqrZdF6yFGEb"
    "UHb7/Uuvg3pe/LCXSydR2WT2iZoVVFvU7hN8NGeEwn3Hr++OMKxf7S7F5+anYPWKmEtm6D"
    "Wyf+ve8xfF3bG6vgG5bfDb6vO0y9ALoIOubEUG3ECbGi2nLNwKaW+YjoFLoUOUbWxCsf8A"
    "zRjUAPEC1j+z57J4H42btcwPmtROOeEWqN5opQx6U0yrIoTyE1J9lAt7A3FWC32ZtBbKJc"
    "0BeVvNzw2MAEhy8kCz6bOFx+bvVvmr1+q2tct28/M51Gu6ht4ccB7rU4bOfAN5cDfNO8vW"
    "ten4MpxB60B/iWTUmY2sLnK6ry9ERClacnuarkt+KqnHquZT7w5/2p2GnSkrrjrOs4Ucy2"
    "6jyZFdWkA/Wv273+1Y2x7ErUtlw6mhphpypzJ/LfcSOfcEU1O3AQkx3tlf2I6vqDaRrAms"
    "IxMjzHVrGfMaGdmM5SeYbHRycy5pMXy+1p/s14X2OYcM2lgP6517nNBnopkexFlknB/4Ad"
    "ULaFGMq/jzxsciTBg2fZ1MLuW/68fyoaz110K45QrEeFQB/cNH9L6uDyunOR7Cq8gouEOm"
    "Zk5tnQsehcgVSOC60nlyvQ9ndCL0eJRZNM2QMN9IQwZdB5OGM4yQU4T3wjqDdq+EcVAdol"
    "eOwa7pxNsjYZsjPEX2SofslJcdVHar4QNnqMrNrwCw/QfHyGztCI3Vm2CwfZCLpZA81FIH"
    "n1uYtsKMBMaz22Htj166og2fs9bO/h1UYGHT5BcMjm7qwDuBPyvCViPVZFXYF6sGyG03gH"
    "CC3XmeuIkzCqW4LEqqgrPJR4jhE4xVvC1GdV9fya6oQWN/DkhOSZ/PitOLD5eHYw6hP2Rw"
    "5V6R5asonsSkynJ9MEplOImRc7DKrjwpkjX26oTGRoXBcxY0SH5LWRM40mCMqD5wlhf3nx"
    "RxdAIKwLuzli04oJmED+Gw7Pw+IuGBKACQXmBOIxq9glgCkcOaEI4gIer3GCpm+TBNRLPX"
    "eAB/jer/seTAhTCb8OfKh+cMPHMr/TosDCANoP3hQQZ8gqPOj51HtYDJCHP5BJ3TfiodB/"
    "7ACHr+pAzGpC3xjc9px9FaTizdn3ikeGnwvHrLmAZ+LZQzC2ntAHVpP/LUNwTwmFthG+r8"
    "VePva2YR3cEIEpfERuUHXwBuxx/DvEIwTkGeFPX4N2wm9HFnR+12FROiyqjKNXRQNkdFjU"
    "PmpdJizq1dbeS6fjglcRo4OpwpiVFHs5MrD0A1gE2xxU85cXcgHVywvbLy8EU3+luVlMRj"
    "fyoJGnWNAkyGmEr4iDrDH+jOapYIRVdGcFAc7zetllBz4vnIV402Lfz74aUX+Aa/Yumx9b"
    "je/55LISK6HobgvaNMPLDunUfOd6wdkWuhnla8MmJht9+MyNP4w7Zofg64I7DiMcI6V+15"
    "6a9tRKYR0qOmfXnto+al3GUytBVHrJjGvBHpveMbQA98djmfBLVioXXnEvEcVB2czM3SR+"
    "IyqogyzLY7PSQ1V8AplWcraC41KrNFzBnrVCvVxliU7iQxE2ZFlTFJeqX5zqewlr9D7XFr"
    "3PsETUy+CPJPfELKRfMJafoQNt5Wj+zm2ved06B770AHeuroILo5F/5bJ5e9m6vm59PAcm"
    "/1rbRsMB/tLp9b8wE8GucgsxI5hf7bZ6l59aH+9EaWY0eOi7x8onl1elIo/PZOKOk6YsEn"
    "V8llSqYmS3julWjOmeOZaJjKmFMyw7Mq0ptHPiiKNySdvuC74NKqge9KuMe+uyfdO8Zlge"
    "+tMkNk5bPg8V6uDdUQ7I8NtmIPtyGuTVIJue4yBsZgTD55uLqEz9bMapzGar/L1WqfF140"
    "jtHcdoV2guWLmpfpIVlqR6k2J67SdjgfMJYQ+p4RoV0ZiuX09btEO9pLZ+SS3ZaWOraswt"
    "6Hfbl/1GugnvANtfwnpqCm203+bAKrMVhmvHm6Xx1psWNowzd5cR99uGmssH75dskii102"
    "FmwznfVrQ7vL6IGuuH2gbhAvlZLOOddXXogKGSzrLBdARYAR6WDgEX/8EFfFfUBxDsjTL8"
    "CPUjYPkR4IvRIR1ov2VdmRHkbhgu4X+9jh3XEQmlHJEqujatIxL2UesyEQkxk61gS1Ny2j"
    "/N8Pl1FG0RqIrpjxKmEQmN6HoeJZyNbenm1yylwGHCy480quyI5LQl0LzUNqHeMuxJobHe"
    "RHxe2m0Lch6scNjCxAoy26f9rcF86zBebtQ1IV+ZZ/9QaJPxB7E3GByHHtaUTQpAkNwpa2"
    "f0LqqUiTWP6Y7Xp4PJtetWEvtT0Um8dt32Uesyrlt5tv3qEHIdQr5xCLlIkKJ8KkJcqn7R"
    "OwVCrWYvojL1g3n35iLIqJMTL5+Pc1KuflgfH0mFsK4IYE1iPfQcsexoTFXSMSSkdBbcNM"
    "OmkwsXA6uDniz0rJqwPCFWR8tQTHi7YCDkG3BYXDfddNP1yaJNeAW429MUyjZDrq5DmeYR"
    "9HLVrrqOTvry6isBqbA/A2H2XttmFg9C2Oqc59iP/tsOpiDeTw6lko2dUiCJZNAcqV1kgq"
    "4XTIWuwc2x2eJnazSyFuIWNw9XrsaxYv4BHQrRkzyAEZCRWBvjFYA/mOIwtM8BBI6Hf3CB"
    "SGkAiANGFrbcySH/CVmVlu05CDxbdAIs6gKGF0XfaHZcZSFPkVm5+4M88KKRVSC9cqdX7s"
    "phaCq6hqNX7vZR6zIrd8ySZzpZd3ftjznUxEIioWnPs4ZvudxuNFyS4438zcm+hqLYiw+N"
    "ExPBwCXLpQXFa7g4t/ulDJvNkXKIyvUZVRbCL5hQxcIj0lADm43MV51zwCUH+Ndm97Z9+9"
    "M5YPNUzJAf4Fa32+meA+Q4xElO2KSYzZ2nRGGz1kxaPr/JLyXqxxwXcnb8FLku8z7SGPfZ"
    "jDob44hILUzLqsG29Vs/Ns6m0k0vxtrrzu1PYfFkDurESh6izINRSv8dESlH/m/+2Prk/5"
    "5ZhgntLJXkU8FRGX3iZXIJRa9WF0mwv05IuJ/JIIOKWqQ4yKehRJaA4jOAaxpH0zjl6PbV"
    "dOg1jbOPWpehcXQ2bx2KXSvH11RkFsxteIWSsZEvAC9PMowYfEOlRhyXqh+Fs3uKzCQeps"
    "5cGemkXB3Nhkyrzm/TqQ0FwyEbTnOybueQBEuR+rXlQnZt8FkLtJVbc0KsfmCfymB9mg/1"
    "aQppHqtDvSyYr2wCczzjqFAC5BGXqh7MK2D92Lm7uG6BL93WZbvXDnjHxZxc3OSXlhmbu6"
    "3mdeo4BDzeAOaolMZZAmfuMP5JsJLRiMrUz2LsxiNRoB7jKVW2jTytVzqVYsMEg0STWUGC"
    "yxyUK0IE/ULSOTuCNIiB2DkIyDyeI5GH8o0sx6XgyXItesiuITBDjpABBxD4igKPaP7mkP"
    "2dUTAiDnrKSr1Y5IM0k6yZ5IqYlIpyippJ3ketyzDJLkJDprqRQ6bZszWJE6ziVbxg1BWa"
    "znwaUCXsqt+56xqf2r1+p/svBgjfTDFhAxpx5gPc+9Lpt6/+ZfQ7X4x+t3n5uXcOwrQllM"
    "wM/+D3AW4xyJnw8vmv7kCWIDNh5cfEzabXYYI1vbFrxZ4lz0WO8UTotnvg7lg9v5Aqn9wo"
    "442sy4cZJr+X3K65qfv2qh1adqtmXi7MnI2au/DtcrMxxvvxWh/PUErOyAsHme998begjZ"
    "+gY0HMvDHRt8A//gHEUgLfyMX3Yi27HXDIs5vp1u2o2uzk+kuPlz9HZ9fXfl05jXNFZ/ja"
    "r9tHrcv4dTlzrfwD38LyOno6fXye4waTUlkwlxIazlQOfW88Ri7NTPNAiI0gzvFXo3IJWB"
    "+YYFG4Lq687DrcRadzHbM1F+3kbpa7m4tW9+A4cVJtVk4116JqLTgqolPrZLXiYAqvRrnE"
    "hDSuWbgyN0ER1KWERnSVvTUesjM25yObltSbgNYfYZJ3dKH6KSbSZxaWrQ1Lkzcxg7j+LB"
    "M3oFa2BbZeTGsK1aVFlDhaN9rLd4AtZ2irZxOkoU2bxBjE7D3A7d31tVx6OM2Kv06Mjmij"
    "GQRu2HbzmVuuMb1xUtOimhYtM0GmadF91LoMLYqm0FLKgL4QqN0mydMTmVMRWKkVUSipcx"
    "Fm0HWfCRufJ9CdqOCcEqzjFqgitvYNLZfnglU+xiYpV0O8XzPo3vcT2Ou/aGxQRbwqmZWq"
    "ffd/4hmfH9G2Danp0Umf11MnkIp2EkWjynEUwwa32llcuve79Ri/itrFyk8kmKjBvih1R/"
    "y0CU1F33yNyXI6Q2de1p5nObp8RX0Q7Xnuo9alNlpwCyxvQsPieklTL76/OK4bLMKnJTXC"
    "GQiLKaESshEJjej61fdw7vsyq5hlA1d2GTPSqCQW3aMOxvbQ1nO3UxLhDIMojfTuQN4DgF"
    "dhm8/UFUkcLJmWDOYgRsPkUwdsJjkxlrSPzP6gBwQd5AAhdAj4hlaRnMGeA+iKXTu9T82/"
    "nPx4BlwCIOA+6QN0EbARfBR/XIAJ8Fz+Bn4lWbuFinmIXhHXvERFzFNFPVTNS+yj1mV4CW"
    "GFlZdr41K1WxvffQJh9G1mMaVt0LnikjXsXNXtTGkb6qAn1jM2saFxyR2ouZxrwbXQsmZx"
    "NItTAhd4LYvzOv5vcAB3fh7EeIHDVX6wfyC4oZYUsRPNPkhYCxEJCq3pjDgUsDkLsAk3tT"
    "wHIfNZP4B7/5Ywvvf8mOO5K74JeJhaNisCLJcV9vAw++jkgp41wAP868RinjImdMKet7h1"
    "CO4hpTz7lHvvZ+Zw/XObmXduTpALIB6Ce4y+UWNGbNt/FH/S8wRh5neLlwJwzNrWhwEWbx"
    "3Wu0KI1Ww+Cif/PtjgzBrfvfgyNOSXD9g7zMGY8HQi/OqQSb/RDr528KtkfCvq6mkHfx+1"
    "LhV44I+do6niQUFJOZ2Ue72XvxwXVZCOS2mc1+PsOUqbOILi9UP2+OhEBlteLP8UG3Ezjm"
    "9kkqo6VCRENZFRnqEhPSMIvQiFKXZURCc3Ssb3RN0n1Z6TlH2RrvMKKT1r0XN0vuUCCECp"
    "nVXb51sO+Kd6BSDpNMLbhRPlpBHO5lJ3wY/mJBGON871zKh8CmFBVQopkfT3A4BgioY2mo"
    "ODQaMJ/gouBo03nGPkp7c45FnwmjPo0EPgsqm1ICCpC8LUcDlc6I4fsJ45/JogiUMbG2aw"
    "03uaNLVYDtNdUZJJU4v7qHVJatEQqKpMg6Myei08exeOcjaHqEz9aK5CEmcgbBInA+Tclr"
    "sU0FkwdZLhl8DUnz0bfIqsAGtCSjfWDJpO0bzWOElOIQeHUzjLwHdlevdQRGd2V8jsbpIn"
    "5Biso2fuGstvz0k5PWWQmjKMPeTSDeBOymm4peC28IiowByWrx+8Ra3zunxGq3wQx0LoBW"
    "316yxL7fIQjiySUnainElw6hlzGY6PKJvdKDYwP94S0zArh+inYsEr1oBl15cyu3DZDjwo"
    "WVuWXrvLybEgk4y/yI0QfeI5TX/Sl7HQF7l7uGqhT5xQ7c8dFRb6fIEfXGBb+JFH74ene4"
    "6mYneA2C5AWVMIz/TkjwHBQdjZS3vbV6m3Aei1uorY9Yqu2ui1un3Uusxa3dRzLfOBf+qf"
    "iuHpacn6OdinZxLu9WlSfZFU+GdJ1zoz4oqD3MLeNDVtiwEeiJaZbGZzK/7p58GWwwFu3l"
    "y0f7rr3PXOAZw+WGOPeO4A37K2zKonGCVnFFKsh4xSjvOVcpxSitjCuNmAF5OsoemrrqlL"
    "j3DBnNNw56x7baLtzAr0VoYy63zmoKFlMq/Jsi2adZCdTWAevZYSTah6xGVrpd6PnbuL6x"
    "b40m1dtnvtzm1cn+JmnNDstprXCWPq+4NqbFtMRofBq4bBr4rxzluWUozyXlISlVKELFcU"
    "a4BFR3pzimdFHozo7cO1FJB6DoxAgtMxEC/pGweZCFORscI95HkbIzzOBA55DgqR8sGGTH"
    "aEKJv65CS+2PUDZIK9YwpET+xBBh+AdZi3po5KMuxWlETQ1NE+al0yzPv1MkiUzKwWTFC8"
    "WgKJ0nWngoGOzBwyLVlOCHhMapUVqyDkq9xFZoWSIZ58TqoaRxsTqh+LXEgUnB9uZeTse8"
    "6Pa0mI6XChjHChklAYNUB1RcxQHjGhHMWyOTVRDsu6c3KiuBQJgpqofYKEHTM9OTv6o1iu"
    "43jUdvPz4oJ8CU/iCGbch8DCgDhD5Mjvwc9heHb9BBmKR2/k1wxPqU1MRX19zfDso9ZlGB"
    "69eVfvMa3cHlOL2sh4RBlr/SsIiKiQRlrv5i3TFjGxK1cR6IWMRloBaZ1YQZ/MXS1c9b7G"
    "QjnK3W1oTAT1VKzdSm+50/sY92cfYxM5ljlpZFCbwZ3DlUcZL8usIzXzEdU7B8tFDgYRBy"
    "quV0Skho5XIUu/vFMpIBwUryG6x0dHUulPjlZkPzlKbQYimCKcMeb/3Ovc5nlbC5EkwWmZ"
    "FPwPVHvYzwKXgxHzukJMD26avyXhvrzuXCTpSV7BxbZh7tsOZt//D10OHAc="
)
