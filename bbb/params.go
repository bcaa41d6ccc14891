package bbb

import (
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/google/go-querystring/query"
)

// Roles for JoinParams.Role.
const (
	RoleModerator = "MODERATOR"
	RoleViewer    = "VIEWER"
)

// Guest policies for CreateMeetingParams.GuestPolicy.
const (
	GuestAlwaysAccept     = "ALWAYS_ACCEPT"
	GuestAlwaysDeny       = "ALWAYS_DENY"
	GuestAskModerator     = "ASK_MODERATOR"
	GuestAlwaysAcceptAuth = "ALWAYS_ACCEPT_AUTH"
)

// Layouts for CreateMeetingParams.MeetingLayout and JoinParams.EnforceLayout.
const (
	LayoutCustom                  = "CUSTOM_LAYOUT"
	LayoutSmart                   = "SMART_LAYOUT"
	LayoutPresentationFocus       = "PRESENTATION_FOCUS"
	LayoutVideoFocus              = "VIDEO_FOCUS"
	LayoutCamerasOnly             = "CAMERAS_ONLY"
	LayoutPresentationOnly        = "PRESENTATION_ONLY"
	LayoutParticipantsAndChatOnly = "PARTICIPANTS_AND_CHAT_ONLY"
	LayoutMediaOnly               = "MEDIA_ONLY"
)

// Bool returns a pointer to b, for the optional boolean parameters whose
// server default is not false.
func Bool(b bool) *bool { return &b }

// Int returns a pointer to n, for optional numeric parameters where 0 is a
// meaningful value.
func Int(n int) *int { return &n }

// CreateMeetingParams are the parameters of create (BigBlueButton 3.0).
// Zero values are not sent, so the server's defaults apply; optional
// booleans are pointers (see Bool) because several default to true.
// Meta becomes meta_<key> parameters; Extra carries parameters newer than
// bbbkit and must not repeat a parameter set elsewhere.
type CreateMeetingParams struct {
	Name        string `url:"name"`
	MeetingID   string `url:"meetingID"`
	AttendeePW  string `url:"attendeePW,omitempty"`  // deprecated by BBB; use roles
	ModeratorPW string `url:"moderatorPW,omitempty"` // deprecated by BBB; use roles

	Welcome              string `url:"welcome,omitempty"`
	ModeratorOnlyMessage string `url:"moderatorOnlyMessage,omitempty"`
	DialNumber           string `url:"dialNumber,omitempty"`
	VoiceBridge          string `url:"voiceBridge,omitempty"`
	WebVoice             string `url:"webVoice,omitempty"`
	MaxParticipants      int    `url:"maxParticipants,omitempty"`
	LogoutURL            string `url:"logoutURL,omitempty"`
	LoginURL             string `url:"loginURL,omitempty"`
	Duration             int    `url:"duration,omitempty"` // minutes

	Record                  *bool  `url:"record,omitempty"`
	AutoStartRecording      *bool  `url:"autoStartRecording,omitempty"`
	AllowStartStopRecording *bool  `url:"allowStartStopRecording,omitempty"`
	RecordFullDurationMedia *bool  `url:"recordFullDurationMedia,omitempty"`
	NotifyRecordingIsOn     *bool  `url:"notifyRecordingIsOn,omitempty"`
	MeetingKeepEvents       *bool  `url:"meetingKeepEvents,omitempty"`
	MeetingEndedURL         string `url:"meetingEndedURL,omitempty"`

	WebcamsOnlyForModerator     *bool  `url:"webcamsOnlyForModerator,omitempty"`
	BannerText                  string `url:"bannerText,omitempty"`
	BannerColor                 string `url:"bannerColor,omitempty"`
	Logo                        string `url:"logo,omitempty"`
	DarkLogo                    string `url:"darklogo,omitempty"`
	Copyright                   string `url:"copyright,omitempty"`
	MuteOnStart                 *bool  `url:"muteOnStart,omitempty"`
	AllowModsToUnmuteUsers      *bool  `url:"allowModsToUnmuteUsers,omitempty"`
	AllowModsToEjectCameras     *bool  `url:"allowModsToEjectCameras,omitempty"`
	AllowRequestsWithoutSession *bool  `url:"allowRequestsWithoutSession,omitempty"`
	UserCameraCap               *int   `url:"userCameraCap,omitempty"`
	MeetingCameraCap            *int   `url:"meetingCameraCap,omitempty"`
	MaxPinnedCameras            *int   `url:"maxPinnedCameras,omitempty"`

	MeetingExpireIfNoUserJoinedInMinutes   *int  `url:"meetingExpireIfNoUserJoinedInMinutes,omitempty"`
	MeetingExpireWhenLastUserLeftInMinutes *int  `url:"meetingExpireWhenLastUserLeftInMinutes,omitempty"`
	EndWhenNoModerator                     *bool `url:"endWhenNoModerator,omitempty"`
	EndWhenNoModeratorDelayInMinutes       *int  `url:"endWhenNoModeratorDelayInMinutes,omitempty"`
	LearningDashboardCleanupDelayInMinutes *int  `url:"learningDashboardCleanupDelayInMinutes,omitempty"`
	LogoutTimer                            *int  `url:"logoutTimer,omitempty"`

	GuestPolicy                  string `url:"guestPolicy,omitempty"`
	AllowPromoteGuestToModerator *bool  `url:"allowPromoteGuestToModerator,omitempty"`
	MeetingLayout                string `url:"meetingLayout,omitempty"`

	LockSettingsDisableCam             *bool `url:"lockSettingsDisableCam,omitempty"`
	LockSettingsDisableMic             *bool `url:"lockSettingsDisableMic,omitempty"`
	LockSettingsDisablePrivateChat     *bool `url:"lockSettingsDisablePrivateChat,omitempty"`
	LockSettingsDisablePublicChat      *bool `url:"lockSettingsDisablePublicChat,omitempty"`
	LockSettingsDisableNotes           *bool `url:"lockSettingsDisableNotes,omitempty"`
	LockSettingsHideUserList           *bool `url:"lockSettingsHideUserList,omitempty"`
	LockSettingsLockedLayout           *bool `url:"lockSettingsLockedLayout,omitempty"`
	LockSettingsLockOnJoin             *bool `url:"lockSettingsLockOnJoin,omitempty"`
	LockSettingsLockOnJoinConfigurable *bool `url:"lockSettingsLockOnJoinConfigurable,omitempty"`
	LockSettingsHideViewersCursor      *bool `url:"lockSettingsHideViewersCursor,omitempty"`
	LockSettingsHideViewersAnnotation  *bool `url:"lockSettingsHideViewersAnnotation,omitempty"`

	IsBreakout                         *bool  `url:"isBreakout,omitempty"`
	ParentMeetingID                    string `url:"parentMeetingID,omitempty"`
	Sequence                           int    `url:"sequence,omitempty"`
	FreeJoin                           *bool  `url:"freeJoin,omitempty"`
	BreakoutRoomsEnabled               *bool  `url:"breakoutRoomsEnabled,omitempty"` // deprecated by BBB
	BreakoutRoomsRecord                *bool  `url:"breakoutRoomsRecord,omitempty"`
	BreakoutRoomsPrivateChatEnabled    *bool  `url:"breakoutRoomsPrivateChatEnabled,omitempty"`
	BreakoutRoomsCaptureSlides         *bool  `url:"breakoutRoomsCaptureSlides,omitempty"`
	BreakoutRoomsCaptureNotes          *bool  `url:"breakoutRoomsCaptureNotes,omitempty"`
	BreakoutRoomsCaptureSlidesFilename string `url:"breakoutRoomsCaptureSlidesFilename,omitempty"`
	BreakoutRoomsCaptureNotesFilename  string `url:"breakoutRoomsCaptureNotesFilename,omitempty"`
	// Groups pre-assigns users to breakout rooms: a JSON array such as
	// [{"id":"1","name":"Group A","roster":["user-1"]}].
	Groups string `url:"groups,omitempty"`

	DisabledFeatures        []string `url:"disabledFeatures,comma,omitempty"`
	DisabledFeaturesExclude []string `url:"disabledFeaturesExclude,comma,omitempty"`

	PreUploadedPresentation                string `url:"preUploadedPresentation,omitempty"`
	PreUploadedPresentationName            string `url:"preUploadedPresentationName,omitempty"`
	PreUploadedPresentationOverrideDefault *bool  `url:"preUploadedPresentationOverrideDefault,omitempty"`
	PresentationUploadExternalURL          string `url:"presentationUploadExternalUrl,omitempty"`
	PresentationUploadExternalDescription  string `url:"presentationUploadExternalDescription,omitempty"`
	PresentationConversionCacheEnabled     *bool  `url:"presentationConversionCacheEnabled,omitempty"`
	MaxNumPages                            int    `url:"maxNumPages,omitempty"`

	AllowOverrideClientSettingsOnCreateCall *bool  `url:"allowOverrideClientSettingsOnCreateCall,omitempty"`
	ClientSettingsOverrideJSONURL           string `url:"clientSettingsOverrideJsonUrl,omitempty"`
	PluginManifests                         string `url:"pluginManifests,omitempty"`
	PluginManifestsFetchURL                 string `url:"pluginManifestsFetchUrl,omitempty"`
	MultiUserWhiteboardEnabled              *bool  `url:"multiUserWhiteboardEnabled,omitempty"`
	SharedNotesEditor                       string `url:"sharedNotesEditor,omitempty"`
	// SharedNotesInitialContent is the text the shared notes start with;
	// SharedNotesInitialContentURL a document the server fetches for them
	// (BigBlueButton 3.0).
	SharedNotesInitialContent    string `url:"sharedNotesInitialContent,omitempty"`
	SharedNotesInitialContentURL string `url:"sharedNotesInitialContentUrl,omitempty"`
	// AudioBridge, CameraBridge and ScreenShareBridge choose the media
	// bridge of each kind, such as "livekit" (BigBlueButton 3.0,
	// experimental); empty keeps the server's default.
	AudioBridge       string `url:"audioBridge,omitempty"`
	CameraBridge      string `url:"cameraBridge,omitempty"`
	ScreenShareBridge string `url:"screenShareBridge,omitempty"`

	// Meta is sent as meta_<key>=<value>. Keys must match
	// [a-zA-Z][a-zA-Z0-9-]*; the server lower-cases them.
	Meta map[string]string `url:"-"`
	// Presentations are sent in the POST body (<modules>), so create becomes
	// a POST with Content-Type application/xml.
	Presentations []Document `url:"-"`
	// ClientSettingsOverride is a JSON document sent in the POST body
	// (BigBlueButton 3.0; needs allowOverrideClientSettingsOnCreateCall on
	// the server).
	ClientSettingsOverride string `url:"-"`
	// Extra carries parameters bbbkit does not know yet.
	Extra url.Values `url:"-"`
}

// Features for CreateMeetingParams.DisabledFeatures (BigBlueButton 2.5 to 3.0).
const (
	FeatureBreakoutRooms                                      = "breakoutRooms"
	FeatureCaptions                                           = "captions"
	FeatureChat                                               = "chat"
	FeaturePrivateChat                                        = "privateChat"
	FeatureDownloadPresentationWithAnnotations                = "downloadPresentationWithAnnotations"
	FeatureDownloadPresentationConvertedToPdf                 = "downloadPresentationConvertedToPdf"
	FeatureDownloadPresentationOriginalFile                   = "downloadPresentationOriginalFile"
	FeatureSnapshotOfCurrentSlide                             = "snapshotOfCurrentSlide"
	FeatureExternalVideos                                     = "externalVideos"
	FeatureImportPresentationWithAnnotationsFromBreakoutRooms = "importPresentationWithAnnotationsFromBreakoutRooms"
	FeatureImportSharedNotesFromBreakoutRooms                 = "importSharedNotesFromBreakoutRooms"
	FeatureLayouts                                            = "layouts"
	FeatureLearningDashboard                                  = "learningDashboard"
	FeatureLearningDashboardDownloadSessionData               = "learningDashboardDownloadSessionData"
	FeaturePolls                                              = "polls"
	FeatureScreenshare                                        = "screenshare"
	FeatureSharedNotes                                        = "sharedNotes"
	FeatureVirtualBackgrounds                                 = "virtualBackgrounds"
	FeatureCustomVirtualBackgrounds                           = "customVirtualBackgrounds"
	FeatureLiveTranscription                                  = "liveTranscription"
	FeaturePresentation                                       = "presentation"
	FeatureCameraAsContent                                    = "cameraAsContent"
	FeatureTimer                                              = "timer"
	FeatureInfiniteWhiteboard                                 = "infiniteWhiteboard"
	FeatureDeleteChatMessage                                  = "deleteChatMessage"
	FeatureEditChatMessage                                    = "editChatMessage"
	FeatureReplyChatMessage                                   = "replyChatMessage"
	FeatureChatMessageReactions                               = "chatMessageReactions"
	FeatureRaiseHand                                          = "raiseHand"
	FeatureUserReactions                                      = "userReactions"
	FeatureChatEmojiPicker                                    = "chatEmojiPicker"
)

// Document is a presentation for create (pre-uploaded) or insertDocument:
// either fetched by the server from URL, or embedded as Content (sent in
// base64).
type Document struct {
	URL          string // the server downloads it
	Filename     string // shown name, with extension
	Content      []byte // embedded file; Filename is required then
	Downloadable *bool
	Removable    *bool
	Current      *bool
}

var metaKeyRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]*$`)

// ValidMetaKey reports whether the server keeps meta_<key>: it drops keys
// outside [a-zA-Z][a-zA-Z0-9-]* (no underscores).
func ValidMetaKey(key string) bool { return metaKeyRE.MatchString(key) }

// ValidUserDataKey reports whether the server keeps userdata-<key>: it drops
// keys with a '-' in them.
func ValidUserDataKey(key string) bool {
	return key != "" && !strings.Contains(key, "-") && !strings.ContainsAny(key, "&=")
}

// encodeParams encodes a parameter struct with go-querystring, adds prefixed
// maps and Extra, and refuses invalid keys or duplicates.
func encodeParams(call string, params any, meta map[string]string, metaPrefix string, extra url.Values) (url.Values, error) {
	v, err := query.Values(params)
	if err != nil {
		return nil, paramErr(call, "params", err.Error())
	}
	for k, val := range meta {
		if metaPrefix == "meta_" && !ValidMetaKey(k) {
			return nil, paramErr(call, "meta_"+k, "metadata keys must match [a-zA-Z][a-zA-Z0-9-]* (the server drops others)")
		}
		if metaPrefix == "userdata-" && !ValidUserDataKey(k) {
			return nil, paramErr(call, "userdata-"+k, "user data keys must not contain '-' (the server drops them)")
		}
		v.Set(metaPrefix+k, val)
	}
	for k, vals := range extra {
		if k == "" || strings.EqualFold(k, "checksum") {
			return nil, paramErr(call, k, "not allowed in Extra")
		}
		if _, dup := v[k]; dup {
			return nil, paramErr(call, k, "set both in Extra and elsewhere")
		}
		v[k] = slices.Clone(vals)
	}
	return v, nil
}
