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
    "eJztXWtz27YS/SsYfak74/r6kbgZ5/bOyI7cqLGljCT3ZXc4EAlJrClQ5cOO2ua/X4AP8Q"
    "VSgEzJJIWZTpqQWJI6Cy6xZxe7/7TmpoYM+6htObrttC7APy0M54j8JXXmELTgYhEdpwcc"
    "ODa8odAb4x2DY9uxoEovNYGGjcghDdmqpS8c3cTkKHYNgx40VTJQx9PokIv1v1ykOOYUOT"
    "NkkRP3f5DDOtbQF2SH/1w8KhMdGVriWXWN3ts7rjjLhXesi51rbyC921hRTcOd42jwYunM"
    "TLwarWPvN04RRhZ0EL28Y7n08enTBT80/EX+k0ZD/EeMyWhoAl3Dif3csRIdaylKrz9Shp"
    "2RorQEAFJNTMElj2p7v35KH+G705M33795d3b+5h0Z4j3m6sj3X/1bR8D4gh48vVHrq3ce"
    "OtAf4WEcgapaiCKhQCcL7gdyxtHniI1wUjKFtBaIHoV/SeMeolwEfHggQj6abbuAnvxArY"
    "+NZaDyApxH3dvOcNS+/UxvN7ftvwwPv/aoQ8+cekeXqaMH59/S4yZ5kfwXbHUR8Et39BHQ"
    "f4Lf+72OB69pO1PLu2M0bvR7iz4TdB1TweazArXY7AyPhqiRkZHW3YW2odaTklLrVdF6iF"
    "FM7cHTR1r3/p/R99UMWmxdh+NTWiZo1VGvc/hFMRCeOjNqPd++LVDsz+3B1cf24ICMSmmr"
    "F5w69c99TeBrG+5UBN9wfDn4vu5nagfoImipM0V0EqfEtjWXGwa2o6uPyJlD20GWwlp45Q"
    "POEN0I9ADRKs7v8zcciJ+/yQWcnkpN7oXp6JOlINRJKYkyL8pz6KgzNtAd7M49sLvkySBW"
    "US7oq4vs7vPYwiYOH4gXfLJwuPrUGd22h6POQLnp9j4RncZfUUPHjw942KGwXQDfXD7g23"
    "bvrn1zAeYQu9B4wD2yJCFqC+8vqMqzUw5Vnp3mqpKeSqpSn8MpUlzLEHlfEkKlvC6VWtSc"
    "HJ/yvDJ0WC7S/skk1gQTugjNAP3TsN9jAx1JpD0EXXXAv8AI2IatvCT/nbhYpUiCsasbjo"
    "7tI3q//wm+ONxKKICcIpRwDkKgD27bv6Z1cHXTv0yv+ukFLlPqWJgL14CW7iwF+JCk0Hpe"
    "pAZzvxRmJO4Tq+ac3FBBTwg7BDoXM7zjXIDzxDeCeqOJf1wToG0TT23FXpKP6yYMBEO8BB"
    "pi/eTe5UKovqSDzzVRDnfyGCMc6YExVB+foaUpiTPRvJghqJHFCNGqPTOfGd+by+AC158G"
    "yIAeplnlB4z2kFyihizF13C2h0dbDB5nrBsEp2kJCEW8fxNx8izFC0Eil2gqPI7pWoqNHC"
    "MM62wO04hcauhfqUloUatlnpp5dix5KglsPp59jEYm+YMPVe43tGKrs0JM56fzFKbEzSSu"
    "mRZcjgrH7TgjYhna9/x45eojstVo5X3LMFVoKHSpQW+may0y4n71MQspsNioP2SEU0Y4K/"
    "GS1jTWJSOc+6h1nghnBcIWFTOuW2bUZUh5Be7bEx6Sm4zKhdc7l+JKHGg59iYsSVxwJ/zI"
    "aywva2izsp+q5AIyq2S2gpNSRRqu4ZtVoF6qstRL4kMRTmReU5SUal406B2HNXqXa4veMS"
    "yR4zJoAs6g6Up6h9FSgg40hOOl/d6wfdO5AL70A+5fXwcHJhP/yFW7d9W5uel8uAAq/bWG"
    "gbQH/Lk/HH0mJoIcpRZiYWJ6dNAZXn3sfLjzRhOjoc6Q5pLxm0RRT855ontpUxaL7Z2nlS"
    "oYP5WRU8HI6cLSVaTMdcyw7EjV59DIidbF5dK23Rc8Ci5QP+iLjHvnqnvbviFYHvrLJPKd"
    "1h0U18Gb4xyQ4ZfNQPblJMjFIKuuZSGsMkLO+eYiLtM8m3HGk9KSn9GS+b5uHA8tORJao7"
    "Vg7Zb6aVaYk+pNi+0up6DyvG+E7RPCLhLDNS4iMQ0wzcTuGdM3i/G1aSF9ij+hZcYRYAe3"
    "Ghd6Joct+LyK6mReWgIB+eHI/9ASt2A06F6NWtkpXAK2P4fXaSi08fc2B1aehBOqHXeRH6"
    "nd3yyKDQPfdpQC8NLYN382QcUWiWUGvvM37CanXXEQXBHZudsi2gFkADAxgICKf2MDmnD0"
    "HgRpR4ppacgCx0C3gTNDYGXnjtKcxkuvxYi+33u/yPsl/q//Q+4elrH1KtrWmkZZZWx9H7"
    "XOE1tPmGwBW5qRk54Ww3v1P2di7mtCRqLK2mpAlz9CmMYkJKLrGYFwNfZCh7Vh2fqHKX81"
    "NqkS7upVe3jV/tBpMSyBZFjWw5qwf8I8gJCPK+q8md7Py7ptwXaCAoct3LOw3lNrAzrgEe"
    "jEuyL/eWAQB0uFNMZM/udAw5y+BxbEj+Ak9LDmZFEAgs2AWYetnEvyZE0ndEevJ9OipetW"
    "EftT00W8dN32Ues8rturVRepmEmVydC1ToaGxtidCxeASko1Lw9li1CL2Yu4TPNgLt9cWM"
    "RdgTbKyfzOxzkt1zysT465kjELUjHTWGuu5QUclTkjhTnXl0hJyaopWYZNFqPZDqwWetLR"
    "s2iBq5RYEy3DdhK1PQaCfwKHw+XUzU5dnyzahFeICzbQwayvQ5nlEWS4qqxXpyC4IiMBu4"
    "kEZBLYFITJc7FKHgqlBvoXa3wJoYUBl2XUD+LDqWJfz3JSKEXDS0usdmiZwRYrxrQ6eVgY"
    "aCLD/FqFAomBNDcPmBMv7EMvAP4kisPQuAAQWC7+xgbevnNgWmCiY92eHdK/QnJJ3XAtBJ"
    "51ZwZ0xwYELwd9cdgpg1u5C09Q6k9zTIfGAhwyKCWDUtUwNDUNT8ig1D5qnScoRSw503+4"
    "u+t+yPG6VxIpTbuurh1RuXI0XJFKr/4OUl9Dcey9H5r0uYMPFy9NFAxvYNypfJbeIGukHA"
    "5ufdmLlfAOq17oeGK2xMAmX+br/gWgkg/4l/ag1+39eAHIOhUT5B9wZzDoDy4AsizTSi/Y"
    "uEi70utWkFUrk3HOn/KRRPNI0a10gJkj2ybeRxbjEVlRszGOiTTCtBR9bDu/jhLf2Uxh/9"
    "W39qbf+zEcnq72nwpSIYd4MEKNFmIi1ei0QG/bmE4LcKErKjRYKslnOeMysvh/OjogA7Hb"
    "5I5fJ9vZ327OoKJW+9DzaShvK7dsKitpHEnjVNmhlzTOPmqdh8aRJZdllnGjHF9VkFlQX8"
    "IrVIyN3EUbX4egQeDTxLr4JqSaR+GUT5F5DeispTDSabkmmg2eWZ0/pzO58ppGPqc5pZFz"
    "SIJIpHlzeSsbEuiqBRrCszkl1jywy++sS3N1HJcF87VhwhzPOC6UAnlCpeoHcwGsH/p3lz"
    "cd8HnQueoOuwHvuFqTeyfpoais7qDTvsnUrMfTDWCOS0mcOXCmDuPfQddqfr8kkmmexSjH"
    "IxGgHpPVQmRfz92lCQY1FFlJglF5xYIUwVhvSJ5yFEGFv0DsAgRkHi3/R1P5JrplO+BJt3"
    "XnkBxDYIEsTwYcQOArCjyi5beH5M+FAyamhZ5YVQW3eSPJJEsmuSYmpaacomSS91HrPEyy"
    "jZBGVDexzDl7tcbRZih5iR1mXaH5wqcBRdKuRv27gfKxOxz1B78RQOhmihn5oJnW8gEPP/"
    "dH3evflFH/szIatK8+DS9AWJHDMReKV6jJfsAdAjkRju7/6g5kBYru1f6buNnyuoR+583c"
    "s5RdZa8rYRhWKufcYbepW/KqE5V3d11e+cKcvXVl+Cy5BfSS83Ot76II1dOjg4Ni5b74Ee"
    "jiJ2jpEBMv48l0kA1++AF4FDndoET3GLk2shT/lEW8W6a7UtJl2fXQI0+O3kcWRJf+SjWN"
    "c01XrtJf2Uet8/grnnUWsKGr8TIrONu7y7KDdSkvmJGEhDNT9tydTpFNf3vWGTBNA0Gc44"
    "fF5VKwjongtnBdHdltfOmy379J2JrLbnqXxt3tZWdwcJJqk8kqg2XrjtgMjovIaiisWRws"
    "4cWohISQxJWFK3ETBEGNJCSiRfZWGbOL7OYjm5WUm1vWd53I6zMn3niCu81c1eYwN3mTMI"
    "jr20/YAbXyUmCbxSBmUI0sIkdfz/hbXgK2dzaqYRYKN7RZk5iAmDwH6N3d3PBV9Ip4tJcR"
    "4xTzn02nji74q+SeeHOUQeCGczefuaUakxsCJS0qadEqE2SSFt1HrfPQomgOdaGi1SuBxm"
    "3+OzvlKWRPRhVkV2RK2S+gbT+b5Ps8g/ZMBOeMYBO39mxjy5qm27TGqXDnkbRcA/F+zWRy"
    "308gj7/TnJeaeFU8kap993+SlYwf0UsnUtt1ZiN6nSaBtG0n0ZtUOY5iOOGKncXIvS/XY7"
    "z3ru5FfmLJRJkEm/vEacpYyKLB0rmsxltdUzdDOpf7qHW+PQJJU8tvTRmSMpbJiGV6X1Qh"
    "ZGMSEtH1wctwUbGbIFDVwOWNAsUmFUfMMr4+ezm0zdwEkUaYYRDZSOc749v0DSJniuEcJD"
    "ytfO+AfElmSuTZ8WwBGCNoIQt4QoeA7sXy9hUbSwBtLzF/+LH93enbc2CbAAK6Jh1DGwED"
    "wUfvDxtgE7g2fQL/IqwNAdu5iQx6Sb+kJjaqpitU6Zfso9Z5/BLPCgtHZJJSjQt/lV/7En"
    "1Z6ERpG7xcSckGvlz1fZmyNtRCT+TN2MSGJiVLUHM1wz2N0LJkGiTTUAE/eC3T8Dr+L22J"
    "GvTtZTjAsbOHRR6wV1PE744r0ObTF/jGpp04H4mHudq3PpkDiDW/MSetyBvuVqe3AUHpEn"
    "ZPz5dfUrq30r2tiempqaMj3dt91DqPezt3bV0d05/6t2CPh6xk8yqqnvEUbz/LL95+line"
    "zixJxFcCLRCtcq5ha9ihP/2CrAGgpc4ecPv2svvjXf9ueAHgfKxPXdO1H3CPzGVy+aAQbw"
    "Uq6s+QuplXmpRsoOmrr6nLfuGCNadCO89vpG3mBSQVUWWdLyxEG1fCsW4wu78UlGTPisq6"
    "7Bx12X1/UIz+ScjIQpEvbwGZVkdWF4JlECNKolaK4KWKEhOQgyx6MQFUUME9fvpwLQUkVs"
    "qdEjaBBKVjII7oGwupCDteNXX7kKYrxHicGdSA7oDnGcLAgER2ghyy9NHYjFDZN1jPD90n"
    "FYieyI0U+gGWGduSOqrIZ7emJIKkjvZR6wIZ25O5IHGUlmtcdkT5BEVQE1EQ6KRUlXmjyg"
    "AdWzkwLVlOCkpCqsiK1RDyIneRWKF0Vy66JhXdTp0Qah6LvJ1uqyrNLVZyOgPkb5ZJicls"
    "C8ZOmYpQGA1AtSCHJY+YEM5i2ZyaqIZlLZ2c2F4TEY+aaNbmma1ug1/hlUfzrO124XM8/K"
    "0uPP7F60oxoV0p/A0owYr7EOgYmJaGrPfk3BxpBlqCg4dWG/wHXD60vgW67TXVs8xnr7He"
    "gky8HIan7DvwUDypAsBhkWXJ8EiGpxompqa+vmR49lHrPAyPrH1fvm8h6hs3uMTY2xOeDo"
    "VkVK5f7J1LtwV3DKQ8Ikasv6gveExIIs2JNFwwZnJhG5JQRHYgEehAoppPrN0ehUCvZCTS"
    "Akj7DotCvRKBT15KSnZ5kA1fdobrzhu+NHCiFnCU5bUjSSX11GzeilaeqWZLkorNXW5Qc8"
    "r48LTL2GodH2Tp6qzFKuLjnzksrOATjZHdIOpkLg8LyMHcbo9rkxQa6nhtJfRLXyoBhIPh"
    "DUT35JinCj8ZlZ8Bcpypwk/u6CDM+Ob/NOz38rytlUia4NRVB/wL6v3ZZ4FLwUh4XSGmB7"
    "ftX9NwX930L9P0JL3A5UvT3F/6Mfv6f6n4vno="
)
