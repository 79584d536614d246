"""Named MediaPipe face-mesh landmark groups used to drive and measure the face."""
from __future__ import annotations

FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400,
             377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)
# Inner lip contours, left mouth corner (78) to right corner (308).
INNER_UPPER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
INNER_LOWER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
OUTER_UPPER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
OUTER_LOWER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)
INNER_CORNERS = (INNER_UPPER[0], INNER_UPPER[-1])  # the mouth's width is measured between these
MOUTH_CORNERS = (OUTER_UPPER[0], OUTER_UPPER[-1], *INNER_CORNERS)
INNER_LIP_MIDDLE = (13, 14)  # upper, lower: the lip gap at the middle of the mouth
# Eyelids, outer to inner corner; upper and lower lists pair point by point.
RIGHT_UPPER_LID = (246, 161, 160, 159, 158, 157, 173)
RIGHT_LOWER_LID = (7, 163, 144, 145, 153, 154, 155)
LEFT_UPPER_LID = (466, 388, 387, 386, 385, 384, 398)
LEFT_LOWER_LID = (249, 390, 373, 374, 380, 381, 382)
RIGHT_IRIS = (468, 469, 470, 471, 472)  # centre, then four points on the iris's rim
LEFT_IRIS = (473, 474, 475, 476, 477)
RIGHT_EYE_CORNERS = (33, 133)
LEFT_EYE_CORNERS = (263, 362)
# Skin fold above each upper lid, paired with the lid points: it follows the lid part way.
RIGHT_LID_FOLD = (247, 30, 29, 27, 28, 56, 190)
LEFT_LID_FOLD = (467, 260, 259, 257, 258, 286, 414)
RIGHT_BROW = (70, 63, 105, 66, 107, 46, 53, 52, 65, 55)
LEFT_BROW = (300, 293, 334, 296, 336, 276, 283, 282, 295, 285)
NOSE = (1, 2, 4, 5, 6, 168, 197, 195, 98, 327, 129, 358)
NOSE_BRIDGE = (168, 6)  # between the eyes, where glasses rest
CHIN, FOREHEAD, NOSE_TIP = 152, 10, 1
CHEEK = 205  # right cheek beside the nose: lit skin near the mouth
NOSTRILS = (98, 327, 2)  # the nose's wings (alae) and the point below its tip (subnasale)
# Points that neither the jaw nor the lids move (forehead, nose ridge, eye corners, temples): they
# carry the head's rigid pose.
RIGID_POINTS = (10, 151, 9, 8, 168, 6, 197, 195, 5, 4, 1, 33, 133, 263, 362, 127, 356, 234, 454)
# Eye aspect ratio points p1..p6 (for measurement).
RIGHT_EYE_EAR = (33, 160, 158, 133, 153, 144)
LEFT_EYE_EAR = (362, 385, 387, 263, 373, 380)


def control_landmarks() -> tuple[int, ...]:
    """Landmarks that steer the warp: contours of face, lips, lids, brows and nose (no duplicates)."""
    groups = (FACE_OVAL, INNER_UPPER, INNER_LOWER, OUTER_UPPER, OUTER_LOWER, RIGHT_UPPER_LID,
              RIGHT_LOWER_LID, LEFT_UPPER_LID, LEFT_LOWER_LID, RIGHT_EYE_CORNERS, LEFT_EYE_CORNERS,
              RIGHT_LID_FOLD, LEFT_LID_FOLD, RIGHT_BROW, LEFT_BROW, NOSE)
    return tuple(dict.fromkeys(i for g in groups for i in g))
