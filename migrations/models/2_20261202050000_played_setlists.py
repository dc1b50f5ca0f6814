from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Artists' MusicBrainz ids (setlist.fm's artist key; existing rows start unmatched, as new ones do),
    # and the played setlists with their songs.
    return """
        ALTER TABLE "artists" ADD "musicbrainz_id" VARCHAR(64) UNIQUE;
        ALTER TABLE "artists" ADD "musicbrainz_match" VARCHAR(32) NOT NULL DEFAULT 'none';
        ALTER TABLE "artists" ALTER COLUMN "musicbrainz_match" DROP DEFAULT;
        ALTER TABLE "artists" ADD "musicbrainz_searched_at" TIMESTAMPTZ;
        COMMENT ON COLUMN "artists"."musicbrainz_match" IS 'TICKETMASTER_LINK: ticketmaster_link\nSETLISTFM_SEARCH: setlistfm_search\nNONE: none';
        CREATE TABLE IF NOT EXISTS "played_setlists" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "setlistfm_id" VARCHAR(64),
    "version_id" VARCHAR(64),
    "url" VARCHAR(1024),
    "imported_at" TIMESTAMPTZ,
    "attempts" INT NOT NULL,
    "next_poll_at" TIMESTAMPTZ,
    "show_id" INT NOT NULL UNIQUE REFERENCES "shows" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_played_setl_next_po_005a09" ON "played_setlists" ("next_poll_at");
CREATE TABLE IF NOT EXISTS "played_songs" (
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "id" SERIAL NOT NULL PRIMARY KEY,
    "set_index" INT NOT NULL,
    "set_name" VARCHAR(255),
    "encore" INT,
    "position" INT NOT NULL,
    "medley_part" INT,
    "name" VARCHAR(512) NOT NULL,
    "tape" BOOL NOT NULL,
    "cover_artist" VARCHAR(255),
    "guest_artist" VARCHAR(255),
    "info" VARCHAR(1024),
    "scored" BOOL NOT NULL,
    "played_setlist_id" INT NOT NULL REFERENCES "played_setlists" ("id") ON DELETE CASCADE,
    "song_id" INT REFERENCES "songs" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_played_song_played__a39cc3" ON "played_songs" ("played_setlist_id", "position");"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "played_songs";
        DROP TABLE IF EXISTS "played_setlists";
        ALTER TABLE "artists" DROP COLUMN "musicbrainz_searched_at";
        ALTER TABLE "artists" DROP COLUMN "musicbrainz_match";
        ALTER TABLE "artists" DROP COLUMN "musicbrainz_id";"""


MODELS_STATE = (
    "eJztXW1v27YW/iuEvywFstwkbbMivbuAkzprVscuEmcblgwqI9O2FpnyJCqpt/W/X5KSrD"
    "fKJh3ZkRQCQ9dSPJT8HPLwvPHwn9bUGSLb22u7xPJI6xj808JwiuhfMk92QQvOZnE7ayDw"
    "zuZdIe/D2+CdR1xosqFG0PYQbRoiz3StGbEcTFuxb9us0TFpRwuP4yYfW3/5yCDOGJEJcu"
    "mDmz9os4WH6Cvyon/O7o2Rhexh6lutIXs3bzfIfMbbzjE54x3Z2+4M07H9KY47z+Zk4uBF"
    "bwvz3zhGGLmQIDY8cX32+ezrwh8a/aLgS+MuwScmaIZoBH2bJH7unRG3tQyj1x8YV52BYb"
    "QUADIdzMCln+rxXz9mn/D94cGbH968e3305h3twj9z0fLDt+DVMTABIYenN2h9488hgUEP"
    "jnEMqukihoQBSR7cD/QJsaZIjHCaMoP0MCTdi/6SxT1CeRnwUUOMfDzbtgE9/YHDPrbnIc"
    "uX4Dw4v+hcDdoXn9nrpp73l83xaw867Mkhb51nWneOXrF2hy6kYIEtBgG/ng8+AvZP8Hu/"
    "1+HwOh4Zu/yNcb/B7y32TdAnjoGdRwMOE7Mzao1Qoz1jrvuz4ZpcT1NqrleF6xFGCbaHXx"
    "9znf8/x+/TCXTFvI76Z7hM0aojX6fwq2EjPCYTJj3fvl3C2F/al6cf25c7tFeGW73w0WHw"
    "7FsKX8/2xyr4Rv3Lwfd5t6ktoIuga04M1UmcIdvUXG4Y2MQy7xGZQo8g1xApXsWAC0jXAj"
    "1EtIrz++iNBOJHbwoBZ48yk3vmEGs0V4Q6TaVRlkV5Cok5EQPdwf6Ug31OvwxiExWCvhhk"
    "e9tjCzs4+iBZ8KnicPqpM7hoXw06l0b3vPeJ8jS5RG0L39/iqw6D7RgE4vIWX7R71+3uMZ"
    "hC7EP7FveoSkLZFr1fkZWvDyVY+fqwkJXsUZqVU9+zzDv2vr8VF02eUi+cVQsnidmTFo9w"
    "oIYsoEH3/GpwdmHES4nYlkdGUyNaVFVeRME3rmUTLhmmBAMxu9Ce2Y6orz2YdwNYUzhGhu"
    "/aKvIzRVSK6KyUZXiwfygjPlm3wpUWPEyvNYoJ41wO6J+v+j0x0DFFdhVZJgH/Ajt02W5E"
    "UP535GOTIQnufMsmFvb22Pv+pyg8y1hWDKHUioqA3rlo/5blwWm3f5JdKmyAkww7Zs7Mt6"
    "FrkbmCUzlNtNq5XIO5X4p7OelYNJ0pfaGBHhAmFDofC7aTQoCLyNeCeq2Jv18ToD0Hjz3D"
    "m1Mla50tW0C+la16m0px3XdqFggb3SeiNqzhDpr3j9AdGqkn8byYIDikCinlqjdxHgX7zU"
    "k4wNmnS2RDjmme+WFY8IoOUUNX77dotketLYEz/M6yKU7jEhCKg6dNxIlLiieCRIdoEjxs"
    "HTqHTtHKzD+aHk6zLRBTLXoYvpu9KbnkBBH6aCkWx+cX632j0fmblu2Y0DbYrsBeZg1btM"
    "fNQu5ELt9Erz90RF9H9Cuxomsa29UR/ZfIdZmIfgXCdBUTrht2hOsUigW4bw9k/NG0VyG8"
    "/FnGrCXQJd46Bm2SUHudqyOz8ltVWoHMM1nM4DTVMg7XcGUtYS9jWWaRBFBEE1lWFKWpmu"
    "e4fychjd4VyqJ3AklEfIHhK5kksKDeYnCTogNt5fBmv3fV7naOQUB9i/tnZ2HDaBS0nLZ7"
    "p51ut/PhGJjs19o2Gt7iz/2rwWcqImgrkxAzB7PWy87V6cfOh2vemwoNFgv0af91Ap4HRz"
    "KBmKwoS4RhjrJMVQx16SCXYpBr5lomMqYWFkh2ZFpTaBcEVpJ0WdkeEO6FA9QP+mXCvXN6"
    "ftHuUix3AzWJ7tMWQUkevNkvABl+XQ/kgE6DvBxk03ddhE1BdLBYXCRpmiczXstknxQnn+"
    "T217VDVyUHrWqkC9ZO1c96hSVdvVmy7YV/K+/3jbF9QNhHargmSTSmIaa5MKtg+uYxPnNc"
    "ZI3xJzTPGQLiIFjjooS02YWPi6hObtFSCOgPR8FGS82CweX56aCVn8IlYPtLNE5DoU2u2w"
    "JYZXIDGHf82RNjuY0MeCtFdJNHkkiUhCdGtI/RwKF/SOAaD1UvJVEqiWBmwzlLSSkPr898"
    "xOahtka6QPGx/vRiXZ46YKic729RHgHaATgYQMDIv/MAy6h5D8K8GsNxh8gF+8DyAJkgsN"
    "gd9rKeoKeOJchZuOG/iP+S4Nf/oWsM6IyEKu5INY1N64yEl8h1mYyElMhWkKU5Om2fCmz+"
    "YDtTM/pTNBpVUS49U3+UME1QaERX+1EibeyJZn7D0tF3M1Z+YlKljPzT9tVp+0OnJZAE2i"
    "+1GtaU/FP2nmw019vhPy9vtoX58ksMtigpf7Wl1gaswz2wqHVF/+NgUAPLhCwyT/9HoO2M"
    "3wMX4ntwEFlYU6oUgPC0W95gK2dImVzzFO/YeDqZXJtuFZE/NVXiten2ErkuY7o9Ww2iio"
    "lUnUJe6xRyaN/5U+UycWmq5mXvbBBqNXmRpGkezOWLC5eaK9BDBfnyxThn6ZqH9cG+VArr"
    "kgTWLNZD3+VhR2MqSPwutCUyVLosSN7DpqutbAZWFz1Y6FG1glOGrImSYTPp7dwDIT+Bo+"
    "566uanbuAsWsevAMstL1c1Dbm+BmXej6DDVWUtnSXBFR0J2E4kIJf2ZyBMv0tU008poTIY"
    "rGk1cvLZf0+DKcz3k0OpYnvn8xQSmmOzw6rotUQRpsXD3aVhJtotKMWnkBbIMvOAM+JBHz"
    "YA+NPxXQztYwCB6+PvPMDP6gPHBSMLW95kl/0V0iEt23cReLTIBFjEAxQvgr4SccLgRt4i"
    "E5L607ljXRPhDR2S0iGpagiamgYndEjqJXJdJiRFJbnQeri+Pv9QYHMvKDKc9n1ruMfoyu"
    "FwRQqZBqduAw4lsec/NG1xhxuXrJMo7N7AqFP5Pnqb6kgFHrjVpUIWxFusFGLhkdNSA5vu"
    "zGf9Y8Aob/Gv7cveee+nY0D1VEyRv8Wdy8v+5TFAruu4WYVNymVXeq0PqrUK/c3FUz6maJ"
    "5LdCO3RE2R51HrI4/xgGrUYowTJI0QLcs2285vg9Q+m6tbv9hru/3eT1H3bDH7TIgKEWrB"
    "KN0jkCCpxkUC7LWNuUgAzizDhLaIJcU+ziSNrm2fjQ3oMOwmPcfPk+scHNEXuKIWZ/eL3V"
    "D8+Lu+eFq7cbQbp8oGvXbjvESuy7hxdJlqnWPcKMPXVPQsmE/xK1TMG7mNq74JRYPCN1S7"
    "6TtF1TwXTvkuMn6/mjtXRjpL10SxITOri+d0LlN+OKTbaUE56QInQUzSvLm8keMITGuBtv"
    "JszpA1D+zyLw5m2TrEF8F8ZjuwwDJOEmVAHjGq+sG8BNYP/euTbgd8vuycnl+dh37HhU7O"
    "H7KmuBTxZafdzdX5x+M1YE5SaZwlcGYG49/hpdzydklM0zyJUY5FouB6TNcK0ddWbi9NMK"
    "ygKEoSjIsrLkkRDDpJF6MI6/uFZMcgdOax4n8slW9kuR4BD5ZnkV3ahsAMuZwG7EAQMArc"
    "o/mrXfrnjICR46IHUU3BTb5Ie5K1J7kmIqWmPkXtSX6JXJfxJFegVFvtZel6alkJ10A386"
    "RLXjtbVfguqnIteS5rXXX2WSeq7JmsoqJ3BSeyytB1C8uupefnSp3XUKrCxjqHJa4D8j1w"
    "jh+ga0FMtdMHhyAP/Pgj4K5VdrCFnU3xPeQawSOXWkVCNbekYcVVtGMLgL1Hl9HWem41hX"
    "NNNR6t575ErsvouVw6K8jQRX+dTZq/J8v1Qr1UFsyYQsOZK5btj8fII8Lz3I5jI4gL7LAk"
    "XQbWO0q4KVwXLduNS5z0+92UrDk5z2b3X1+cdC53DjJXUoqKJ3kWUZvBSRJdQ0M0i0MVXs"
    "2VkCLSuIpwpWaCIqgxhUZ0mbw17sSlWYuRzVPqQxGr7yoouqNM/boC6cvJqjaHpZ03KYG4"
    "+tICL3StPBXYZnkQc6jGElHiDs3kKi8B22sP1TB7QRravEhMQUy/A/Suu125OlCxH+1pjn"
    "GG+S8OqaMJ/iw5C3yOChy40dwt9twyjumDZNotqt2iVXaQabfoS+S6jFsUTaGlVOp4QdC4"
    "Q2OvD2XKn9NeS9K6cwXQZ9DzHh26P0+gN1HBOUfYxCMhmzjqNLQ8Vh5T+b6KLF0D8X7OJO"
    "TATqCfv9Wcl5pYVTKRqpdu/6TOFzj36KkTqe2TyYCN0ySQNm0k8klVYChGE265sRib9+Va"
    "jDd8dB75SSQT5RJsblKPmcdCF5vVxmU1VnVNzQxtXL5ErkvllmdErbw0FVDqWKYglsl3VC"
    "VkExQa0dXBy0ip2E4QqGrgykaBEpNKImaZ1M+eDm0zD0FkERYIRDHSxcb4Jm2D2JgSGAcp"
    "S6vYOqA7ycSILTuZIwB3CLrIBZxoF3iEzh12HtWeA+jxxPyrj+3vD98eAc8BEDCd9A56CN"
    "gI3vM/PIAd4HvsC4JBRAcCNvMSHfTSdklNZFRNNVRtl7xErsvYJVwKK0dk0lSNC3+VXzMR"
    "fZ1ZlGlrLK40ZQMXV30XU16GuuiBrox1ZGiasgQ2VzPc0wgua0+D9jRUwA5e6Wl4Hvs3vE"
    "yzuPRTusPuMjs4uNzTUKsD1U8WXHLoDOE1mazpzHEJoDoLsB0malnZJWqzvgdfgkdc+H5h"
    "NzvOPf6bgI+JZdMuwPJoZx8PxbdFbuhdt/gW/zqxqKWMHTKh71s82gVfICFoOiPel+DwvR"
    "dcVUmtc3OCPADxEHzB6CsxZo5tB69ib3qcIEztbv5RAI7p3Hp/i/lXR+MuIaIjm/fcyP8S"
    "nmGkk+8L/2VoyJp36DfMwdhhFQNY65BSv9IGvjbw6yR8a2rqaQP/JXJdIfA4mirejZCl03"
    "VIV1v58b6ognSaSuO8GmffVcrTDrs3D9mD/UMZbFm34sL9/GEa34SSqrpVZEi1I6M6W0Ne"
    "I4isCAUVO0mi65dkc1CS5pPqysnSbmXpVOSm6dqtHF0qdAMOQKnDE08vFRr6n5qVJKMrhT"
    "4tp6igUqjYl1qGf7SgTmh6cq72jMpXCeWuSk7F63q+BxBM0dBGc7Bz22qD/4CT29Yr5mNk"
    "Betd55H7NWfQJbvAo6o1d0ASD0TVnwp8oSW/YLXn8CbjJI5kbFSkSp9p0K7FaojumjqZtG"
    "vxJXJd0rVocFRV1OAkjY6Fi6sHKh/YTtI0z821kbPxCJuOKwC5cObGBLrQna4jug1MA+3Z"
    "YCqyAqwZKj1ZBW46fYP1Ru9KJXAmwHdpBeeIRBdvVijebDoPyDXoQhfWFF12xXKaTqsMUi"
    "rD2EceWQPuLJ2GWwpuC48cFZij/s2Dd1NxXo9ptMq19hdEW5TVzxOWKrPOvshJKasoCx2c"
    "WmOuQoX4qsmNzSbmp2diHmblFP1cLnjNJrBsfEm4hKtW07xic1k6dldQB0Cm3vZGCwEg1z"
    "InLVEVgODJ7tISAHEfXU66TuJzd0l0rPC6qJXZoQ11P2zEcGCLSgHhsHsD0T3YlynjS3st"
    "sRpyZXzpGwnCgs3/56t+r8jfsCDJRvgsk4B/Qb13fxG4DIyU6RBhunPR/i0L92m3f5KNz7"
    "EBTtSypMrfzL79HwMZ/UM="
)
