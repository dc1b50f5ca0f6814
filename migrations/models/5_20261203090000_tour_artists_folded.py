from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # The MusicBrainz id is kept once, on the artist: the tour history's own copy goes, with the rest of
    # tour_artists folded into artists. An id the tour search found moves to an artist without one (unless
    # another artist holds it); a tour search that found nothing counts as the artist's last search.
    return """
        ALTER TABLE "artists" ADD "tour_history_synced_at" TIMESTAMPTZ;
        ALTER TABLE "artists" ADD "predictability" DOUBLE PRECISION;
        UPDATE "artists" SET "tour_history_synced_at" = t."history_synced_at", "predictability" = t."predictability"
            FROM "tour_artists" t WHERE t."artist_id" = "artists"."id";
        UPDATE "artists" SET "musicbrainz_id" = t."musicbrainz_id", "musicbrainz_match" = 'setlistfm_search',
                "musicbrainz_searched_at" = t."checked_at"
            FROM "tour_artists" t
            WHERE t."artist_id" = "artists"."id" AND "artists"."musicbrainz_id" IS NULL
                AND t."how" = 'search' AND t."musicbrainz_id" IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM "artists" o WHERE o."musicbrainz_id" = t."musicbrainz_id")
                AND t."musicbrainz_id" IN (
                    SELECT "musicbrainz_id" FROM "tour_artists" GROUP BY "musicbrainz_id" HAVING count(*) = 1
                );
        UPDATE "artists" SET "musicbrainz_searched_at" = t."checked_at"
            FROM "tour_artists" t
            WHERE t."artist_id" = "artists"."id" AND "artists"."musicbrainz_id" IS NULL AND t."how" <> 'search'
                AND ("artists"."musicbrainz_searched_at" IS NULL OR "artists"."musicbrainz_searched_at" < t."checked_at");
        DROP TABLE IF EXISTS "tour_artists";"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    # Each artist with a tour history gets its tour_artists row back, its MBID (if any) as a search's.
    return """
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
        INSERT INTO "tour_artists" ("created_at", "updated_at", "musicbrainz_id", "how", "checked_at",
                "history_synced_at", "predictability", "artist_id")
            SELECT now(), now(), CASE WHEN length("musicbrainz_id") <= 36 THEN "musicbrainz_id" END,
                CASE WHEN "musicbrainz_id" IS NULL THEN 'none' ELSE 'search' END,
                coalesce("musicbrainz_searched_at", "tour_history_synced_at"), "tour_history_synced_at",
                "predictability", "id"
            FROM "artists" WHERE "tour_history_synced_at" IS NOT NULL;
        ALTER TABLE "artists" DROP COLUMN "predictability";
        ALTER TABLE "artists" DROP COLUMN "tour_history_synced_at";"""


MODELS_STATE = (
    "eJztXVtz27gV/isYvawz46aOk7gZp+2M7MiNNrKVkeTdbeMdGqYgiWsKUEnQjtrmvxcASf"
    "EugRIpkxReHAXEAcgPwAHOFf9tzckYmfbrtkUNm7bOwX9bGM4R+xF7cgxacLEIynkBhQ+m"
    "qApFHVEGH2xqQZ03NYGmjVjRGNm6ZSyoQTArxY5p8kKis4oGngZFDjb+7SCNkimiM2SxB9"
    "9+Z8UGHqPvyPb/u3jUJgYyx5F3Nca8b1Gu0eVClHUxvRIVeW8Pmk5MZ46DyoslnRG8qm1g"
    "8Y1ThJEFKeLNU8vhr8/fzvtQ/4vcNw2quK8YohmjCXRMGvrcBy0oa2naTX+kDTsjTWvlAE"
    "gnmIPLXtUWXz/lr/Cn0zfv/vLuw9uzdx9YFfGaq5K//HC7DoBxCQU8N6PWD/EcUujWEBgH"
    "oOoW4khokCbB/cSeUGOO0hGOUsaQHnukr/0fcdx9lNcB7xcEyAezbR/Qsw8c97G59IZ8Dc"
    "6j7nVnOGpff+XdzW3736bArz3q8CenonQZKz06e8XLCVtI7gJbNQJ+7Y4+A/5f8K/+TUfA"
    "S2w6tUSPQb3Rv1r8naBDiYbJswbHodnpl/qosZrBqDuL8ZajHqVUo16VUfcxCg279/bBqI"
    "t/E+N9OYNW+lj79WOjzNCq47jO4XfNRHhKZ5x7vn+/ZmB/aQ8uP7cHR6xWbLRuvEen7rMf"
    "EXxt05nmwdevXwy+L7tN7QFdBC19puWdxDGysuZyw8Cmhv6I6BzaFFla2sErG/AU0q1A9x"
    "Ct4vw+eyeB+Nm7TMD5o9jkXhBqTJY5oY5SKZRlUZ5Dqs/Sge5gZy7A7rI3g1hHmaCvGtnf"
    "9tjCBPsvJAs+OzhcfumMrtvDUWeg9bo3X9iYhpeoaeDHOzzscNjOgcsu7/B1++a23TsHc4"
    "gdaN7hG3YkYcPm959zKN+eSgzl29PMoeSPokM5d2xDf+D9/SfnoklSqoWzaeGEMdtp8aQ2"
    "1JAFNOp1h6Oray1YStQ0bDqZa/6iqvIict9xK5lwTTMFCIjxhfbCckR95cGkGsCYwynSHM"
    "vMwz8jRIWwzkpJhm9OTmXYJ6+WudLch9G1xjDhI5cA+udh/yYd6IAivooMnYL/AdNT2ZbC"
    "KP86cbDOkQQPjmFSA9uveX9/z8k8i1hWHKHIivKBPrpu/xYfg8te/yK+VHgDF7HhWJCFY0"
    "LLoMscSuUo0Wblcg3mfiHq5bBiUSdz1qGGnhCmDDoHp2wnmQBnkW8F9VYT/6QmQNsET23N"
    "XrJD1jZbdgr5XrbqfR6Km7RTU+JY2owxYGIttx/17FbUOa3Ko7+wEN/z4YNhpm5YVyaBWV"
    "tWgjQ21BNO26jh/dS/veh1wNdB57I77Hpnh9V4ioe8iBUYVEAw6LR7jL1yw/PkMWQl5QUP"
    "UH98htZYizwJhsZCJoJ22sHuwqO8+jJAJhTfl0Q/Yn8fuG3V0Ljyw592fmkrxfw0Q3DMZG"
    "XGc+wZed4RsSFroqlAsbXKcJoWgFDg19FEnMQhZkeQWBNNhUfs9p4SakeYRqypodtSk9Di"
    "DJ6ckiyWn3w0P53HSyCGU/FJvG/eUypLz/S5CvH8Ta5XWniv2eiC1WoDrz54nhH2l1d/tA"
    "EEYtmwhxN2QpmBGeS/4fjcr26DMQGYUKDPIJ6yhm0C2PxAlk+COIHDW5yh+eu4JnNf/d7h"
    "O3zvtn0PZoQNCS8HLlQ/2X63BAODAgMDaD44c0CsMWvwaOjacPxqgDz8gXRqvxKdQrfbO+"
    "y/qgUxawl9Z3CbS/ZVkIo3Z98ruvQ/F07Z3ALPxDHHYGo8oY+sJfdbxuCeEgpNzX9fg718"
    "5G39NvgKA3P4iGyvae8NWHf8O0QXAvIUP7pv3jwRh5vAMvi78q9T/nVVZMs19bRS/nWHOO"
    "oy/nUv5sRRuTEu2Rwd3kxz7Flxsv1plSu/gYWwzUA1206VCaiyU+1up/KO/rnOZhEaNcm9"
    "SZ5Q78VBTtGrEgsZU/wFLRNeLev0eDUEOEtEZsUWfF4JC9Gpxb6ffTVylaiX7eFl+1On9S"
    "Nba1qmuC30gSlStq8nzBauV8rIUqOavrVMorPdh5/ceGdcMDsG31ZKUd9VNlTrdyWpKUmt"
    "Etyhpmd2Jakd4qjLSGoVCG+oGHMtWWJToWcrcN+/kfHjZbUy4RXPYu5AlJ3M7G0cgcKEyg"
    "ukOjwruVVFD5DJQU4f4CjVuhGu4cpa5wXChiy2SFwo/Iksy4qiVM1zeP4gwY0+ZPKiDymc"
    "iDop+iPJ4KoV9R6DQhg60MwdFtK/GbZ7nXPgUt/h/tWVVzCZuCWX7ZvLTq/X+XQOdP61po"
    "nGd/hrfzj6ylgEK+UcYkEwLx10hpefO59uRW3GNHgMhcPqx82rUi7sZzIO7HFWFnJfP4sP"
    "as4QARUckDM4YGEZOtLmBk7h7Eg35tDM8u4L0cV5u0v42mugftCvY+6dy+51u8ewPHaPSY"
    "Eznz8G704yQIbftwPZpVMgrwdZdywLYT3FSTWbXYRpmscz3spE7WUH7SX2161d/gv2967R"
    "WbB2R/24VlhS1RsnU7afFAPnE8IOyodrmERhutmetpqHyqS22aQWX7QRqxoTC0aD7uWolZ"
    "zCBWD7i99OQ6ENr9sMWGViPPjoOIsk3sobP5dFN5zKaeVKno5oH6MRYX8kcJX2Sq/YIVHK"
    "hX9hwiWPlykOr6+ixeahtoW7QHY61OhiXe86oOXJi9piYwRYBe6WDgEn/8kGPNznI/CCfj"
    "TXQ/0EGK4H+Gp3SDra79hWqge57btLuF+vfMeVR0Ild6Sa2qaVR8IhjrqMR0KEZefgpQk6"
    "JZ+myPzKi7YMVMXxJxemIQqF6GY9in8a21HMb1is/HFMyg9NqnSP5CQnUHqpXVy9ZbQnpf"
    "p6E/F5SbHNC+ZfI7D5GQNkwqfd0GAeOoyDQF0dcss8+4dCk0w/ithg8MaXsObsUAC8LGFp"
    "kdFFNCnjax4ZO96eciZXoltF+E9ND/FKdDvEUZcR3aoT9qtcyJUL+dYu5CJBSu7rNaJUzf"
    "PeKRHqfPwiTNM8mItnF15GnQx/+Wyc43TNw/rNiZQL6xoH1jjWY8cSZkdtnicdQ4xKpVNO"
    "athUlupyYLXQk4Ge82a+j5E1kTOU494uNBDyE9ivrqZucuq6yqJt9Aqw2Gs5qnZCrq9Amd"
    "QjKHNVUUtHJX15cUtAwu1PQ5i9164psz0XtiYn8HW9/3aDyfP3k0OpYnunFEgiyzFHqogU"
    "x82CqVQb3BLrHX5JSyvNELd6eLzWGsequTe95PCe5A6MgEyEbYw3AP5gA4eheQ4gsBz8kw"
    "1ESgNALDAxsGHPjvlPyJo0TMdC4NmgM2BQGzC8KPpO0/0qS+lFxnL3B3ngVUNWIGW5U5a7"
    "ajCamtpwlOXuEEddxnLHOHmqkHV72/2UoZpYUcRG2nGM8WtOV8wIV+SeLDc42R2hMPbiQ6"
    "OKCW/jktWledUbaJwr3pRhsjNShqJyc0aVFfEeE6oYeEJa+cBmO/NV/xxwyjv8a3tw0735"
    "xzlg51TMkL/DncGgPzgHyLKIFT+wSWk2C0+Jwk6tqWr57CkfUDRPc3z6/r0EwKxWJsLiWe"
    "x6YmTbTPpIYjxiJ+p0jEMkjWAt6zbbzm+jyD6bSDe92mt7/Zt/+NXjOahjljxEmQSTK/13"
    "iKQa+b95t83J/70wNB2aaUOSrQoO06irU+MmFGWtLlPB/jIu4W4mgxRV1CrFQbYaSmQJKD"
    "8DuFLjKDVONZZ9PQV6pcY5xFGXUeOobN7KFbtRgq+eU7Og76JXqJg2cg/w8iTDiME3zjWJ"
    "o1TNU+EUryLTiYOptcyNdJyuiWxDZlZnz+lEQMF4zLbTjKzbGUqCgKR5c7mUqA1+aoFm7t"
    "kcI2se2G9lsH6bDfXbBNLcV4c6aTBfmQRmSMZhohjIE05VP5jXwPqpf3vR64Cvg85ld9j1"
    "9I6rM7l4yIuCjM2DTruXuA4BT7eAOUylcJbAmQuM/yE4F9MI0zSPYxQjkeRQPUZTquzqed"
    "qsdCrlugl6iSbTnASDHJRrXATdStI5O7w0iB7ZOfCUeTxHInflmxiWTcGTYRv0mJUhsECW"
    "oAFHELgDBR7R8tUx+7ugYEIs9JSWerHMjpQmWWmSa8JSaqpTVJrkQxx1GU2yjdCYDd3EIv"
    "P005rEDVbRJvbodYXmC1cNmMftatS/HWifu8NRf/BPBggPppixDY1Yyzs8/Nofda/+qY36"
    "X7XRoH35ZXgO/LQllCw09+L3O9xhkDPioP8XFyArkJmw9nvidsdrP8GaCuxaE7Pk2MjSng"
    "jdNQbulrXzC6nzzY0y0simfJh+8nvJcM1txbcXXdCyoZpZuTAzAjWLkO0yszFG1/FGGU/L"
    "lZyRV/Yy37vkr0EXP0HLgJhJY2Jtgb/9DQhTAg/k4rFYwbIDFnm2U8W6gppNT64fSLy8H5"
    "VdX8l11WTONT3hK7nuEEddRq7LOGtlX/jm11fe08nr8yzbO5TKghlQKDgTOfSd6RTZNDXN"
    "AyEmgjhDXg3TxWB9YIRl4boq2a8d7qLf70V4zUU3Hs1ye33RGRy9id1Um5ZTzTZovhkcJl"
    "GpddJmsXeEz6dyiRApXNNwZWJCTlADCoXoOn6rPaRnbM5GNkmpgoA2X2GSdXVh/ltMpO8s"
    "rNocllbeRBji5rtMbE+1siuwzdK0JlANOKLE1brhVV4AtlxDWz+eIA1tkiVGIGbvAW5uez"
    "259HBKK/4yPjpijqYocP25m6255SOmAieVWlSpRausIFNq0UMcdRm1KJpDI1cG9BVB44Ik"
    "357K3IrAaq3xQknci7CAtv1M2P48g/YsD84JwiaGQJUR2jc2bJ4LNvc1NnG6BuL9kk73rp"
    "zAXn+vvkE1kapkLFWHLv9EMz4/ol0nUtuhsxFvp0kglS0kikmVISj6E269sBiI98VKjN9E"
    "68LyE3ImarEvSjwRP01CE9433yK0XJ2hMi8rybMaS76mMoiSPA9x1KUCLTgHlmehfnVl0l"
    "TG973juoURPkmpEE5BWBwJcyEbolCIbra++2ff/VgxqwaurBkzNKkkjO5hAWN3aJsZ7RRH"
    "OIUhSiNdHMgHAPA6bLM1dWUqDgJNS4rmIKKGyVYdsJPkTAvUPjLxQQ8IWsgCgugY8IBWkZ"
    "zBXAJoi6id4ef2n07fnwGbAAi4TPoAbQRMBB/FHxtgAhybv4HbSFq0UDmdKIu40kvUhD3V"
    "VEJVeolDHHUZvYTgwrnNtVGqxtnGi08gjL4vDDZoWyyuKGUDF1d9F1OSh1roia2MbXholL"
    "KAYa6mLbgRo6y0OEqLUwEReKMW52XkX+8C7uw8iNEKx+vkYPdCcC1fUsR+OPsgYTNEJCg0"
    "5gtiUcDOLMAknNXyHIRMZv0I7t1Hgvne82uOl7b4JuBgapisCjBsVtnB4/Srk0vq6w7f4V"
    "9nBpOUMaEz1t/q0TG4h5Ty7FP2vZuZw3bvbWbSuT5DNoB4DO4x+k61BTFNtyve0/MMYSZ3"
    "i5cCcMrm1sc7LN7ab3cNEWtZfxRC/r0X4Mwm3734MjTmxUfsHZZgSng6EV46ZtSvlICvBP"
    "w6Md+ainpKwD/EUZdyPHD3zsk850VBcTqVlHuzlB/si3mQjlIpnDfj7Fi5gji86s1D9s3J"
    "qQy2vFr2LTbiYRTf0CE171YRI1WKjOpsDckTgS9F5Dhih0lUcqO4f09YfMq7cuK0e1k6L5"
    "DSsxErR+VbLkEBKBVZtXu+ZU//1CwHJJVGeDd3oow0wum61CL0oxlJhKOTc7NmVD6FsFBV"
    "CiqR9PcjgGCOxiZagqO7Vhv8GVzctV5xHSO/vcUiz0KvuYAWPQY2O1oLBSS1gZ8aLkMXWn"
    "AHmzWH32JKYp/H+hnsVEyTUi1Wg3XXVMmkVIuHOOqSqkVNoJrnGBymUbbw9Cic3NkcwjTN"
    "U3OVkjgDYZ1YKSBnztyAQGXBVEmG94Gpe3rW+BE5B6wxKjVZU9R0Odlrg5PklHJxOIWLFH"
    "zXpnf3SVRm9xyZ3XXyhCyNLfTUqLHs+RynU0cGqSPD1EE23QLuOJ2CWwpuA09IHpj9+s2D"
    "tyw7r81PtLkv4lgR7ZFXv4xZqshLONKUlLIH5VQFpzoxV+H6iKrxjXId86MzMQlzbhf9hC"
    "94zSawrH0pdQlX7cKDis1ladtdRo4FmWT8ZQZCjIhjrQmDCD8+XmfqE3dU5w+B8Cj4pZ0Q"
    "A/f0+ZMNLKQjTEXAgn3Mw/b9ez8nczCDYx6CIDz+TchoJ4jqM5QR91B0BzK2PrcXb7TRE+"
    "tI47YBZeVTVr6KcK2a2nuUle8QR73yAQQVY6tRqfxMRiaPj1xIIj+rTPxA5ZZTyUCHTg6p"
    "nCzDAhihWsfFagj5Gog5F4pr+PmZNK8ZJULUPC1dKUpQV9umZbi9Zqs1YmRKW5SiLYoIE7"
    "LxD2EahepmlVGWuSS3EqO9aqhmAMvqMSJTK29Gh0I95IVqovH+8QVrejIcusNYbtLx5HPm"
    "5tWF8sVPxOiduI+BgQGxxsiSd8HO0PAU3YOMikf5cSsNT6VZTE1lfaXhOcRRl9HwKN9N5W"
    "JYOxdDg5pIe0Qpd5avUUCEiRTSypmzSh5CwikzJ9ArGoV0DqSVX726mKleuCq3tlJ1lMX5"
    "s8Wcemo2b6U9rpQb2+G4sbWRZeizVtplNu6T47U32QR1Cr0AN6Y2VMrBfSoHPY+DPKJXiK"
    "SBglcppl++qHIg7FVvILpvTk6kol9O1gS/nMTRZT1ShFP2/J+H/ZssaWtFEldwGjoF/wP1"
    "3vbTwOVgRKQuH9Oj6/Zvcbgve/2LuHqSN3CRL9lX8ZvZj/8DXLMKFw=="
)
